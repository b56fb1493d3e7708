/**
 * The local stand-in for Event Grid system topics of type Microsoft.Resources.Subscriptions: resource notifications
 * from the ARM emulator become Microsoft.Resources.* events, delivered to webhook event subscriptions with Azure's
 * handshake, filters, batching, headers, retry schedule and dead-lettering, plus switchable faults.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../contract';
import { wallClock } from '../clock';
import { DeliveryLog, type DeliveryLogFilter, type DeliveryLogView, type DeliveryRecord } from './deliveryLog';
import { matchesFilter } from './filters';
import { EventSubscriptionValidationError, validateWebhookEndpoint } from './handshake';
import {
  defaultMaxHoldInMs,
  DuplicateDecider,
  injectionSettingsSchema,
  shuffleDifferently,
  type InjectionSettings,
} from './injection';
import { resourceNotificationSchema, type ResourceNotification } from './notification';
import {
  toResourceEvents,
  type CloudEventSchemaEvent,
  type EventGridSchemaEvent,
  type PublishedResourceEvent,
  type ResourceEventOptions,
} from './resourceEvents';
import { decideAfterFailure, defaultNonRetriedStatuses, isDeliverySuccess, type DeadLetterReason } from './retryPolicy';
import {
  parseEventSubscriptionOptions,
  type EventSubscriptionOptions,
  type ResolvedEventSubscriptionOptions,
} from './subscriptionOptions';
import { sendWebhookRequest, WebhookTransportError } from './webhookClient';

export interface EventGridPublisherOptions {
  /** Time for retry and injection timers; the system clock by default, a manual clock in tests. */
  clock?: Clock;
  /** Multiplies Azure's durations (retry schedule, time-to-live): 1 = real time, 0.001 = a 10 s retry after 10 ms. */
  timeScale?: number;
  injection?: InjectionSettings;
  log?: (line: string) => void;
  /** Shapes of the produced events (resource ID casing, client IP, evidence role). */
  events?: ResourceEventOptions;
  /** Real milliseconds an endpoint has to answer (Azure: 30 s); not time-scaled, it guards a real socket. */
  answerTimeoutInMs?: number;
  /** Answers that are dead-lettered at once instead of retried. */
  nonRetriedStatuses?: readonly number[];
  /** Random source for injection (seed it for reproducible tests). */
  random?: () => number;
  /** Resource group of the (notional) system topics, for the event subscription IDs. */
  systemTopicResourceGroup?: string;
  /** Called with every delivery record as it is made (the outbox counts an event done when all its deliveries are). */
  onDeliveryRecord?: (record: DeliveryRecord) => void;
}

/** An event subscription as created (the resolved options plus its identity). */
export interface EventSubscription extends ResolvedEventSubscriptionOptions {
  /** ARM ID: `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.EventGrid/systemTopics/{t}/eventSubscriptions/{n}`. */
  id: string;
  systemTopicId: string;
  provisioningState: 'Succeeded';
}

export interface EventSubscriptionRef {
  azureSubscriptionId: string;
  name: string;
}

export interface PublishResult {
  /** The event ID shared by every delivery of this notification. */
  eventId: string;
  eventType: string;
  /** Names of the event subscriptions whose filters accepted the event. */
  matched: string[];
}

export interface EventGridPublisher {
  /** `eventId`: redeliver an event published before (the outbox after a restart); a new ID by default. */
  publish(notification: ResourceNotification, eventId?: string): PublishResult;
  /** Creates or updates an event subscription; validates the endpoint first (throws EventSubscriptionValidationError). */
  subscribe(options: EventSubscriptionOptions): Promise<EventSubscription>;
  /** Deletes it; queued and retrying deliveries are dropped. Returns false when it did not exist. */
  unsubscribe(ref: EventSubscriptionRef): boolean;
  subscriptions(): EventSubscription[];
  deliveries(filter?: DeliveryLogFilter): DeliveryLogView;
  /** Replaces the injection switches. */
  setInjection(settings: InjectionSettings): void;
  /** Resolves when nothing is queued, held, in flight or waiting for a retry (every event delivered or given up). */
  idle(): Promise<void>;
  /** Resolves when no request is in flight and nothing is ready to send; clock timers (retries, holds) may remain. */
  settled(): Promise<void>;
  /** Cancels timers and in-flight requests; pending deliveries are dropped. */
  stop(): Promise<void>;
}

interface QueuedEvent {
  event: EventGridSchemaEvent | CloudEventSchemaEvent;
  publishedAt: number;
  sizeInBytes: number;
}

interface Batch {
  events: QueuedEvent[];
  failedAttempts: number;
}

interface SubscriptionRuntime {
  key: string;
  subscription: EventSubscription;
  held: QueuedEvent[];
  cancelHold: (() => void) | undefined;
  queue: QueuedEvent[];
  ready: Batch[];
  /** Batches waiting on the clock for their next attempt, and events waiting on the delay injection. */
  waiting: Set<Batch>;
  delayed: Set<QueuedEvent>;
  inFlight: number;
  timers: Set<() => void>;
  pumpScheduled: ReturnType<typeof setImmediate> | undefined;
  deleted: boolean;
}

const subscriptionKey = (azureSubscriptionId: string, name: string): string =>
  `${azureSubscriptionId.toLowerCase()}/${name.toLowerCase()}`;

export function createEventGridPublisher(options: EventGridPublisherOptions = {}): EventGridPublisher {
  const clock = options.clock ?? wallClock;
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
  const random = options.random ?? Math.random;
  const answerTimeoutInMs = options.answerTimeoutInMs ?? 30_000;
  const nonRetriedStatuses = options.nonRetriedStatuses ?? defaultNonRetriedStatuses;
  const topicResourceGroup = options.systemTopicResourceGroup ?? 'rg-eventgrid-system-topics';
  const log = options.log ?? (() => undefined);

  const runtimes = new Map<string, SubscriptionRuntime>();
  const deliveryLog = new DeliveryLog();
  const abort = new AbortController();
  const inFlightRequests = new Set<Promise<void>>();
  let stopped = false;
  let injection: InjectionSettings = {};
  let duplicates = new DuplicateDecider(undefined, random);
  const idleWaiters: Array<{ kind: 'idle' | 'settled'; resolve: () => void }> = [];

  const applyInjection = (settings: InjectionSettings): void => {
    injection = injectionSettingsSchema.parse(settings);
    duplicates = new DuplicateDecider(injection.duplicate, random);
  };
  applyInjection(options.injection ?? {});

  const isSettled = (r: SubscriptionRuntime): boolean =>
    r.inFlight === 0 && r.queue.length === 0 && r.ready.length === 0 && r.pumpScheduled === undefined;
  const isIdle = (r: SubscriptionRuntime): boolean => isSettled(r) && r.held.length === 0 && r.timers.size === 0;

  const notifyWaiters = (): void => {
    const all = [...runtimes.values()];
    const idle = stopped || all.every(isIdle);
    const settled = stopped || all.every(isSettled);
    for (let i = idleWaiters.length - 1; i >= 0; i--) {
      const waiter = idleWaiters[i];
      if (waiter === undefined) continue;
      if (waiter.kind === 'idle' ? idle : settled) {
        idleWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  };

  const record = (r: SubscriptionRuntime, entry: Omit<DeliveryRecord, 'azureSubscriptionId' | 'subscriptionName' | 'at'>): void => {
    const full: DeliveryRecord = {
      azureSubscriptionId: r.subscription.azureSubscriptionId,
      subscriptionName: r.subscription.name,
      at: clock.now(),
      ...entry,
    };
    deliveryLog.add(full);
    options.onDeliveryRecord?.(full);
  };

  const scheduleTimer = (r: SubscriptionRuntime, at: number, fn: () => void): void => {
    const handle: { cancel?: () => void; fired?: boolean } = {};
    const wrapped = (): void => {
      handle.fired = true;
      if (handle.cancel) r.timers.delete(handle.cancel);
      if (stopped || r.deleted) return;
      fn();
      notifyWaiters();
    };
    handle.cancel = clock.schedule(at, wrapped);
    // Another Clock implementation may run an already-due callback synchronously inside schedule().
    if (!handle.fired) r.timers.add(handle.cancel);
  };

  const schedulePump = (r: SubscriptionRuntime): void => {
    if (r.pumpScheduled !== undefined || stopped || r.deleted) return;
    // Deferred to the next turn so notifications published together can share a batch.
    r.pumpScheduled = setImmediate(() => {
      r.pumpScheduled = undefined;
      pump(r);
      notifyWaiters();
    });
  };

  const formBatch = (r: SubscriptionRuntime): Batch | undefined => {
    if (r.queue.length === 0) return undefined;
    const limitBytes = r.subscription.preferredBatchSizeInKilobytes * 1024;
    const events: QueuedEvent[] = [];
    let size = 0;
    while (r.queue.length > 0 && events.length < r.subscription.maxEventsPerBatch) {
      const next = r.queue[0] as QueuedEvent;
      // An event larger than the preferred size still travels, alone (Azure's rule).
      if (events.length > 0 && size + next.sizeInBytes > limitBytes) break;
      events.push(next);
      size += next.sizeInBytes;
      r.queue.shift();
    }
    return { events, failedAttempts: 0 };
  };

  const pump = (r: SubscriptionRuntime): void => {
    while (!stopped && !r.deleted && r.inFlight < r.subscription.maxConcurrentDeliveries) {
      const batch = r.ready.shift() ?? formBatch(r);
      if (batch === undefined) return;
      r.inFlight += 1;
      const attempt = deliver(r, batch)
        // deliver() turns every expected failure into a log record; anything else is a bug worth seeing.
        .catch((error: unknown) => log(`[eventgrid] ${r.subscription.name}: delivery failed unexpectedly: ${String(error)}`))
        .finally(() => {
          r.inFlight -= 1;
          inFlightRequests.delete(attempt);
          if (!stopped && !r.deleted) pump(r);
          notifyWaiters();
        });
      inFlightRequests.add(attempt);
    }
  };

  const wireRequest = (r: SubscriptionRuntime, batch: Batch, isCloudEvents: boolean) => {
    const sub = r.subscription;
    const events = batch.events.map((e) => e.event);
    const batched = sub.maxEventsPerBatch > 1;
    let body: string;
    let contentType: string;
    if (!isCloudEvents) {
      // Event Grid schema: always an array, even for one event.
      body = JSON.stringify(events);
      contentType = 'application/json; charset=utf-8';
    } else if (batched) {
      body = JSON.stringify(events);
      contentType = 'application/cloudevents-batch+json; charset=utf-8';
    } else {
      body = JSON.stringify(events[0]);
      contentType = 'application/cloudevents+json; charset=utf-8';
    }
    const headers: Record<string, string> = {
      'content-type': contentType,
      'aeg-event-type': 'Notification',
      // Event Grid sends the subscription name upper-cased, and counts earlier attempts (0 on the first).
      'aeg-subscription-name': sub.name.toUpperCase(),
      'aeg-delivery-count': String(batch.failedAttempts),
      // For CloudEvents the metadata version is the spec version and the data version does not apply.
      'aeg-metadata-version': isCloudEvents ? '1.0' : '1',
    };
    const first = events[0];
    if (!isCloudEvents && first !== undefined) headers['aeg-data-version'] = (first as EventGridSchemaEvent).dataVersion;
    if (events.length === 1 && first !== undefined) headers['aeg-output-event-id'] = first.id;
    return { body, headers };
  };

  const giveUp = (
    r: SubscriptionRuntime,
    batch: Batch,
    reason: DeadLetterReason,
    last: { httpStatus?: number; error?: string; outcome: string },
  ): void => {
    const attempt = batch.failedAttempts;
    const ids = batch.events.map((e) => e.event.id);
    if (!r.subscription.deadLetter) {
      record(r, { outcome: 'dropped', eventIds: ids, attempt, reason: 'DeadLetteringDisabled', ...pickLast(last) });
      log(`[eventgrid] ${r.subscription.name}: dropped ${ids.length} event(s) (${reason}, dead-lettering disabled)`);
      return;
    }
    record(r, { outcome: 'deadLettered', eventIds: ids, attempt, reason, ...pickLast(last) });
    const now = new Date(clock.now()).toISOString();
    for (const e of batch.events) {
      deliveryLog.addDeadLetter({
        azureSubscriptionId: r.subscription.azureSubscriptionId,
        subscriptionName: r.subscription.name,
        event: e.event,
        deadLetterReason: reason,
        deliveryAttempts: attempt,
        lastDeliveryOutcome: last.outcome,
        ...(last.httpStatus !== undefined ? { lastHttpStatusCode: last.httpStatus } : {}),
        publishTime: new Date(e.publishedAt).toISOString(),
        lastDeliveryAttemptTime: now,
      });
    }
    log(`[eventgrid] ${r.subscription.name}: dead-lettered ${ids.length} event(s): ${reason} (${last.outcome})`);
  };

  const deliver = async (r: SubscriptionRuntime, batch: Batch): Promise<void> => {
    const sub = r.subscription;
    const isCloudEvents = sub.schema === 'CloudEventSchemaV1_0';
    const { body, headers } = wireRequest(r, batch, isCloudEvents);
    const ids = batch.events.map((e) => e.event.id);
    const send = () =>
      sendWebhookRequest({
        url: sub.endpointUrl,
        method: 'POST',
        headers,
        body,
        timeoutInMs: answerTimeoutInMs,
        signal: abort.signal,
        ...(sub.ca !== undefined ? { ca: sub.ca } : {}),
      });
    const attempt = batch.failedAttempts + 1;
    let status: number | undefined;
    let error: string | undefined;
    try {
      status = (await send()).status;
    } catch (e) {
      if (e instanceof WebhookTransportError && e.reason === 'aborted') {
        record(r, { outcome: 'dropped', eventIds: ids, attempt, reason: 'PublisherStopped' });
        return;
      }
      error = e instanceof Error ? e.message : String(e);
    }
    if (status !== undefined && isDeliverySuccess(status)) {
      record(r, { outcome: 'delivered', eventIds: ids, attempt, httpStatus: status });
      if (!stopped && !r.deleted && duplicates.shouldDuplicate()) {
        let dupStatus: number | undefined;
        let dupError: string | undefined;
        try {
          dupStatus = (await send()).status;
        } catch (e) {
          dupError = e instanceof Error ? e.message : String(e);
        }
        record(r, { outcome: 'duplicated', eventIds: ids, attempt, ...pickLast({ httpStatus: dupStatus, error: dupError }) });
      }
      return;
    }
    batch.failedAttempts = attempt;
    if (stopped || r.deleted) {
      const reason = stopped ? 'PublisherStopped' : 'SubscriptionDeleted';
      record(r, { outcome: 'dropped', eventIds: ids, attempt, reason, ...pickLast({ httpStatus: status, error }) });
      return;
    }
    const oldest = Math.min(...batch.events.map((e) => e.publishedAt));
    const decision = decideAfterFailure({
      status,
      failedAttempts: batch.failedAttempts,
      ageInMs: clock.now() - oldest,
      policy: sub.retryPolicy,
      timeScale,
      nonRetriedStatuses,
    });
    const outcome = status !== undefined ? `HTTP ${status}` : (error ?? 'no answer');
    if (decision.action === 'deadLetter') {
      giveUp(r, batch, decision.reason, { outcome, ...pickLast({ httpStatus: status, error }) });
      return;
    }
    record(r, { outcome: 'retried', eventIds: ids, attempt, ...pickLast({ httpStatus: status, error }) });
    log(`[eventgrid] ${sub.name}: attempt ${attempt} failed (${outcome}); retry in ${decision.delayInMs} ms`);
    r.waiting.add(batch);
    scheduleTimer(r, clock.now() + decision.delayInMs, () => {
      r.waiting.delete(batch);
      r.ready.push(batch);
      schedulePump(r);
    });
  };

  const enqueue = (r: SubscriptionRuntime, e: QueuedEvent): void => {
    const reorder = injection.reorder;
    if (reorder === undefined) {
      r.queue.push(e);
      schedulePump(r);
      return;
    }
    r.held.push(e);
    const release = (): void => {
      r.cancelHold?.();
      r.cancelHold = undefined;
      r.queue.push(...shuffleDifferently(r.held, random));
      r.held = [];
      schedulePump(r);
    };
    if (r.held.length >= reorder.window) {
      release();
    } else if (r.cancelHold === undefined) {
      // Never hold forever: a partial window is released (shuffled) after maxHoldInMs.
      const handle: { cancel?: () => void; fired?: boolean } = {};
      const at = clock.now() + (reorder.maxHoldInMs ?? defaultMaxHoldInMs);
      const onTimer = (): void => {
        handle.fired = true;
        if (handle.cancel) r.timers.delete(handle.cancel);
        r.cancelHold = undefined;
        if (stopped || r.deleted || r.held.length === 0) return;
        release();
        notifyWaiters();
      };
      handle.cancel = clock.schedule(at, onTimer);
      if (!handle.fired) {
        r.timers.add(handle.cancel);
        r.cancelHold = () => {
          handle.cancel?.();
          if (handle.cancel) r.timers.delete(handle.cancel);
        };
      }
    }
  };

  const admit = (r: SubscriptionRuntime, e: QueuedEvent): void => {
    const delay = injection.delay;
    if (delay === undefined || (delay.ms === 0 && !delay.jitterMs)) {
      enqueue(r, e);
      return;
    }
    const wait = delay.ms + (delay.jitterMs ? random() * delay.jitterMs : 0);
    r.delayed.add(e);
    scheduleTimer(r, clock.now() + wait, () => {
      r.delayed.delete(e);
      enqueue(r, e);
    });
  };

  const systemTopicId = (azureSubscriptionId: string): string =>
    `/subscriptions/${azureSubscriptionId}/resourceGroups/${topicResourceGroup}` +
    `/providers/Microsoft.EventGrid/systemTopics/subscription-${azureSubscriptionId.toLowerCase()}`;

  const dropPending = (r: SubscriptionRuntime, reason: 'SubscriptionDeleted' | 'PublisherStopped'): void => {
    for (const cancel of r.timers) cancel();
    r.timers.clear();
    r.cancelHold = undefined;
    if (r.pumpScheduled !== undefined) clearImmediate(r.pumpScheduled);
    r.pumpScheduled = undefined;
    const pending = [
      ...r.delayed,
      ...r.held,
      ...r.queue,
      ...r.ready.flatMap((b) => b.events),
      ...[...r.waiting].flatMap((b) => b.events),
    ];
    r.delayed.clear();
    r.held = [];
    r.queue = [];
    r.ready = [];
    r.waiting.clear();
    if (pending.length > 0) {
      record(r, { outcome: 'dropped', eventIds: pending.map((e) => e.event.id), attempt: 0, reason });
    }
  };

  return {
    publish(notification, givenEventId) {
      if (stopped) throw new Error('Event Grid publisher is stopped: publish() after stop()');
      const parsed = resourceNotificationSchema.safeParse(notification);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        throw new TypeError(`Invalid resource notification for ${String(notification?.resourceUri)}: ${issues}`);
      }
      const eventId = givenEventId ?? randomUUID();
      const published: PublishedResourceEvent = toResourceEvents(notification, eventId, options.events);
      const matched: string[] = [];
      const now = clock.now();
      for (const r of runtimes.values()) {
        const sub = r.subscription;
        if (sub.azureSubscriptionId.toLowerCase() !== notification.subscriptionId.toLowerCase()) continue;
        const isCloudEvents = sub.schema === 'CloudEventSchemaV1_0';
        const event = isCloudEvents ? published.cloudEvent : published.eventGrid;
        const accepted = matchesFilter(sub.filter, {
          type: published.eventGrid.eventType,
          subject: published.eventGrid.subject,
          wire: event,
        });
        if (!accepted) continue;
        matched.push(sub.name);
        admit(r, { event, publishedAt: now, sizeInBytes: Buffer.byteLength(JSON.stringify(event)) });
      }
      return { eventId, eventType: published.eventGrid.eventType, matched };
    },

    async subscribe(input) {
      if (stopped) throw new Error('Event Grid publisher is stopped: subscribe() after stop()');
      const resolved = parseEventSubscriptionOptions(input);
      const key = subscriptionKey(resolved.azureSubscriptionId, resolved.name);
      const existing = runtimes.get(key);
      const topicId = systemTopicId(resolved.azureSubscriptionId);
      const needsHandshake =
        existing === undefined ||
        existing.subscription.endpointUrl !== resolved.endpointUrl ||
        existing.subscription.schema !== resolved.schema;
      if (needsHandshake) {
        await validateWebhookEndpoint(
          {
            subscriptionName: resolved.name,
            endpointUrl: resolved.endpointUrl,
            schema: resolved.schema,
            topicId,
            location: 'global',
            timeoutInMs: answerTimeoutInMs,
            signal: abort.signal,
            ...(resolved.ca !== undefined ? { ca: resolved.ca } : {}),
          },
          new Date(clock.now()),
        );
        log(`[eventgrid] ${resolved.name}: endpoint ${resolved.endpointUrl} validated (${resolved.schema})`);
      }
      const subscription: EventSubscription = {
        ...resolved,
        id: `${topicId}/eventSubscriptions/${resolved.name}`,
        systemTopicId: topicId,
        provisioningState: 'Succeeded',
      };
      if (existing !== undefined && !existing.deleted && runtimes.get(key) === existing) {
        existing.subscription = subscription;
        schedulePump(existing);
      } else {
        runtimes.set(key, {
          key,
          subscription,
          held: [],
          cancelHold: undefined,
          queue: [],
          ready: [],
          waiting: new Set(),
          delayed: new Set(),
          inFlight: 0,
          timers: new Set(),
          pumpScheduled: undefined,
          deleted: false,
        });
      }
      return subscription;
    },

    unsubscribe(ref) {
      const key = subscriptionKey(ref.azureSubscriptionId, ref.name);
      const r = runtimes.get(key);
      if (r === undefined) return false;
      runtimes.delete(key);
      r.deleted = true;
      dropPending(r, 'SubscriptionDeleted');
      notifyWaiters();
      return true;
    },

    subscriptions: () => [...runtimes.values()].map((r) => r.subscription),

    deliveries: (filter) => deliveryLog.view(filter),

    setInjection: applyInjection,

    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push({ kind: 'idle', resolve });
        notifyWaiters();
      });
    },

    settled() {
      return new Promise<void>((resolve) => {
        idleWaiters.push({ kind: 'settled', resolve });
        notifyWaiters();
      });
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      abort.abort();
      for (const r of runtimes.values()) dropPending(r, 'PublisherStopped');
      await Promise.allSettled([...inFlightRequests]);
      notifyWaiters();
    },
  };
}

function pickLast(last: { httpStatus?: number | undefined; error?: string | undefined }): {
  httpStatus?: number;
  error?: string;
} {
  return {
    ...(last.httpStatus !== undefined ? { httpStatus: last.httpStatus } : {}),
    ...(last.error !== undefined ? { error: last.error } : {}),
  };
}

export { EventSubscriptionValidationError };
