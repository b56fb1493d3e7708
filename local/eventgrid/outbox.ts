/**
 * The Event Grid outbox: in Azure, Event Grid is a service of its own and keeps retrying deliveries while the
 * control plane is down; locally the publisher lives in the control plane's process, so a `kill -9` would take every
 * event not yet delivered with it (the soak found spokes, endpoints and tag requests never reconciled after one).
 * With a data folder the bridge writes every published notification to `eventgrid/outbox.jsonl` (one line, appended
 * synchronously before the publish returns) and a line when all of its deliveries are over (delivered, dead-lettered
 * or dropped; not when dropped because the publisher stopped). At start, the notifications without such a line are
 * published again with their event IDs, after the event subscriptions exist: Event Grid's at-least-once delivery
 * across a restart. The file is rewritten with only the open events at start and whenever the closed ones pile up.
 *
 *   {"p":"<eventId>","n":<ResourceNotification>}     published
 *   {"d":"<eventId>"}                                  all deliveries over
 *
 * Lines reach the OS before the publish returns, so they survive `kill -9` (not a power loss: no fsync).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeliveryRecord } from './deliveryLog';
import type { ResourceNotification } from './notification';
import type { EventGridPublisher } from './publisher';

/** Rewrite the file once this many events are closed (keeps it about as long as the open work). */
const COMPACT_AFTER_CLOSED = 5000;

export interface EventOutbox {
  /** Publishes and records; the bridge calls this instead of `publisher.publish`. */
  publish(notification: ResourceNotification): ReturnType<EventGridPublisher['publish']>;
  /** For the publisher's `onDeliveryRecord`. */
  onDeliveryRecord(record: DeliveryRecord): void;
  /** Publishes again what the last process left open; call once the event subscriptions exist. Returns how many. */
  redeliverOpen(): number;
  close(): void;
}

/** The open events of an outbox file's text, in publish order (a torn last line is ignored). */
export function openEvents(text: string): Array<{ eventId: string; notification: ResourceNotification }> {
  const open = new Map<string, ResourceNotification>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    let entry: { p?: string; n?: ResourceNotification; d?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue; // a torn line (kill -9 mid-append): its publish never returned
    }
    if (typeof entry.p === 'string' && entry.n) open.set(entry.p, entry.n);
    if (typeof entry.d === 'string') open.delete(entry.d);
  }
  return [...open].map(([eventId, notification]) => ({ eventId, notification }));
}

export function createEventOutbox(file: string, publisher: () => Pick<EventGridPublisher, 'publish'>): EventOutbox {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const leftOver = fs.existsSync(file) ? openEvents(fs.readFileSync(file, 'utf8')) : [];
  /** Event ID -> the notification and the subscriptions whose deliveries are not over yet. */
  const pending = new Map<string, { notification: ResourceNotification; subscriptions: Set<string> }>();
  let fd: number | undefined;
  let closed = 0;

  const rewrite = (): void => {
    const temp = `${file}.tmp`;
    const lines = [...leftOverOpen(), ...[...pending].map(([eventId, p]) => ({ eventId, notification: p.notification }))];
    fs.writeFileSync(temp, lines.map((e) => `${JSON.stringify({ p: e.eventId, n: e.notification })}\n`).join(''));
    if (fd !== undefined) fs.closeSync(fd);
    fs.renameSync(temp, file);
    fd = fs.openSync(file, 'a');
    closed = 0;
  };
  // What the last process left open stays in the file until it is published again.
  const notYetRedelivered = new Map(leftOver.map((e) => [e.eventId, e.notification]));
  const leftOverOpen = (): Array<{ eventId: string; notification: ResourceNotification }> =>
    [...notYetRedelivered].map(([eventId, notification]) => ({ eventId, notification }));
  rewrite();

  const append = (entry: unknown): void => {
    if (fd !== undefined) fs.writeSync(fd, `${JSON.stringify(entry)}\n`);
  };
  const subscriptionKey = (azureSubscriptionId: string, name: string): string => `${azureSubscriptionId.toLowerCase()}/${name.toLowerCase()}`;

  const publish = (notification: ResourceNotification, eventId?: string): ReturnType<EventGridPublisher['publish']> => {
    const result = publisher().publish(notification, eventId);
    if (result.matched.length > 0) {
      if (eventId === undefined) append({ p: result.eventId, n: notification });
      pending.set(result.eventId, { notification, subscriptions: new Set(result.matched.map((name) => subscriptionKey(notification.subscriptionId, name))) });
    } else if (eventId !== undefined) {
      append({ d: eventId });
    }
    return result;
  };

  return {
    publish: (notification) => publish(notification),
    onDeliveryRecord(record) {
      if (record.outcome === 'retried' || record.outcome === 'duplicated' || record.reason === 'PublisherStopped') return;
      const key = subscriptionKey(record.azureSubscriptionId, record.subscriptionName);
      for (const eventId of record.eventIds) {
        const p = pending.get(eventId);
        if (!p) continue;
        p.subscriptions.delete(key);
        if (p.subscriptions.size > 0) continue;
        pending.delete(eventId);
        append({ d: eventId });
        closed += 1;
      }
      if (closed >= COMPACT_AFTER_CLOSED) rewrite();
    },
    redeliverOpen() {
      const again = leftOverOpen();
      notYetRedelivered.clear();
      for (const e of again) publish(e.notification, e.eventId);
      return again.length;
    },
    close() {
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    },
  };
}
