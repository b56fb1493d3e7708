/**
 * The Event Grid extension's webhook, `/runtime/webhooks/eventgrid?functionName=NAME`, as the extension serves it
 * (Microsoft.Azure.WebJobs.Extensions.EventGrid `HttpRequestProcessor` + `EventGridExtensionConfigProvider`):
 *  - `OPTIONS` is the CloudEvents abuse-protection handshake: 200 with `WebHook-Allowed-Origin`;
 *  - `aeg-event-type: SubscriptionValidation` answers 200 `{"validationResponse": code}`;
 *  - `aeg-event-type: Notification` parses the body as JSON (an array of events, or one event object) and invokes
 *    the function once per event, all in parallel, and answers 202 Accepted when every invocation succeeded (an
 *    empty array included), 500 (so Event Grid retries) when any failed. Events are not validated: one with missing
 *    fields reaches the function, as with the extension. A body that is not JSON, or JSON that is neither an array
 *    nor an object, makes the extension throw: 500 (Event Grid retries it);
 *  - `aeg-event-type: Unsubscribe` answers 202; any other or missing `aeg-event-type` is a 400.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypedData } from '../contract';
import { readBody, sendError, sendJson } from './http-codec';
import type { HostContext } from './host-context';
import { checkKey } from './keys';

export const EVENTGRID_WEBHOOK_PATH = '/runtime/webhooks/eventgrid';
const VALIDATION_EVENT_TYPE = 'Microsoft.EventGrid.SubscriptionValidationEvent';
/** Origins the extension echoes back; any other origin is answered with the public cloud's. */
const KNOWN_ORIGINS = ['eventgrid.azure.net', 'eventgrid.azure.us', 'eventgrid.azure.eaglex.ic.gov', 'eventgrid.azure.microsoft.scloud', 'eventgrid.azure.cn'];

export function isEventGridTrigger(type: string): boolean {
  return type.toLowerCase() === 'eventgridtrigger';
}

/** A request the extension cannot process: it throws, and the host answers 500 (Event Grid retries). */
class UnprocessableBodyError extends Error {}

/** A handshake request that does not carry a validation code (the extension would fail on it too). */
class BadEventsError extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses a Notification body as the extension does (`JToken.Parse`, then an array as is or an object as a one-event
 * array). Nothing else is checked: events with missing fields reach the function, which decides what it can use.
 */
function parseEvents(body: Buffer): unknown[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new UnprocessableBodyError(`the request body is not valid JSON (${(e as Error).message})`);
  }
  if (Array.isArray(json)) return json;
  if (isObject(json)) return [json];
  throw new UnprocessableBodyError(`the request body should be a JSON object or array, but was ${json === null ? 'null' : typeof json}`);
}

/** The validation code of a SubscriptionValidation request, from an Event Grid array or a CloudEvent object. */
function validationCodeOf(body: Buffer): string {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new UnprocessableBodyError(`the validation request body is not valid JSON (${(e as Error).message})`);
  }
  const event: unknown = Array.isArray(json) ? json[0] : json;
  if (!isObject(event)) throw new BadEventsError('the validation request must carry one event object');
  const type = event.eventType ?? event.type;
  if (type !== VALIDATION_EVENT_TYPE) {
    throw new BadEventsError(`event[0]: eventType is "${String(type)}", expected "${VALIDATION_EVENT_TYPE}" with aeg-event-type: SubscriptionValidation`);
  }
  // CloudEvents deliver data as an object or, double-encoded, as a JSON string.
  let data: unknown = event.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      data = undefined;
    }
  }
  const code = isObject(data) ? data.validationCode : undefined;
  if (typeof code !== 'string' || code === '') throw new BadEventsError('event[0]: required field "data.validationCode" is missing');
  return code;
}

function allowedOrigin(req: IncomingMessage): string {
  const origin = req.headers['webhook-request-origin'];
  const value = (Array.isArray(origin) ? origin[0] : origin)?.trim().toLowerCase();
  return value !== undefined && KNOWN_ORIGINS.includes(value) ? value : 'eventgrid.azure.net';
}

/** Handles a request to the Event Grid webhook path; `url` is the full request URL. */
export async function handleEventGridWebhook(ctx: HostContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const reject = (status: number, code: string, message: string): void => {
    ctx.logger.host('warning', `${req.method} ${url.pathname}${url.search ? '?…' : ''} -> ${status}: ${message}`);
    sendError(res, status, code, message);
  };

  const auth = checkKey('eventgrid', url.searchParams.get('code') ?? undefined, ctx.keys());
  if (!auth.ok) return reject(401, 'Unauthorized', auth.reason);

  const functionName = url.searchParams.get('functionName') ?? '';
  const fn = functionName ? ctx.app.get(functionName) : undefined;
  if (!fn || !isEventGridTrigger(fn.trigger.type)) {
    const known = ctx.app.list().filter((f) => isEventGridTrigger(f.trigger.type)).map((f) => f.name);
    const why = functionName === '' ? 'the functionName query parameter is missing' : fn ? `function '${functionName}' is not an Event Grid trigger` : `cannot find function: '${functionName}'`;
    return reject(404, 'FunctionNotFound', `${why}; Event Grid functions: [${known.join(', ')}]`);
  }

  if (req.method === 'OPTIONS') {
    res.writeHead(200, { 'WebHook-Allowed-Origin': allowedOrigin(req), 'WebHook-Allowed-Rate': '*', 'content-length': 0 });
    res.end();
    return;
  }
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST, OPTIONS');
    return reject(405, 'MethodNotAllowed', `the Event Grid webhook accepts POST (and OPTIONS for the CloudEvents handshake), not ${req.method}`);
  }

  const eventTypeHeader = req.headers['aeg-event-type'];
  const kind = (Array.isArray(eventTypeHeader) ? eventTypeHeader[0] : eventTypeHeader)?.toLowerCase();
  const body = await readBody(req);
  try {
    if (kind === 'subscriptionvalidation') {
      const validationResponse = validationCodeOf(body);
      ctx.logger.host('information', `perform handshake with eventGrid for function: ${fn.name}`);
      return sendJson(res, 200, { validationResponse });
    }
    if (kind === 'unsubscribe') {
      res.writeHead(202, { 'content-length': 0 }).end();
      return;
    }
    if (kind !== 'notification') {
      return reject(
        400,
        'BadRequest',
        `header aeg-event-type is ${kind === undefined || kind === '' ? 'missing' : `"${kind}"`}; Event Grid sends Notification, SubscriptionValidation or Unsubscribe`,
      );
    }
    const events = parseEvents(body);
    const results = await Promise.all(
      events.map((event) => {
        if (!isObject(event)) {
          // The binding cannot turn a non-object into an event: that invocation fails (a function failure, 500).
          return Promise.resolve({ ok: false as const, error: new Error(`Unable to bind ${JSON.stringify(event)} to an event: it is not a JSON object`) });
        }
        const triggerData: TypedData = { json: JSON.stringify(event) };
        // The extension's binding data is the event's `data`; the library camel-cases it into triggerMetadata.
        const triggerMetadata: Record<string, TypedData> = { data: { json: JSON.stringify(event.data ?? null) } };
        return ctx.invoke({ functionName: fn.name, triggerData, triggerMetadata }, `EventGrid trigger fired (event id ${String(event.id)})`);
      }),
    );
    const failedAt = results.findIndex((r) => !r.ok);
    const failed = results[failedAt];
    if (failed && !failed.ok) {
      const id = (events[failedAt] as { id?: unknown } | undefined)?.id;
      return reject(500, 'FunctionFailed', `function '${fn.name}' failed on event[${failedAt}] (id ${String(id)}): ${failed.error.message}`);
    }
    // Every event handled, including none at all (an empty array).
    res.writeHead(202, { 'content-length': 0 }).end();
  } catch (e) {
    if (e instanceof BadEventsError) return reject(400, 'BadRequest', e.message);
    // The extension throws on a body it cannot parse; the host answers 500 and Event Grid retries the delivery.
    if (e instanceof UnprocessableBodyError) return reject(500, 'InternalServerError', e.message);
    throw e;
  }
}
