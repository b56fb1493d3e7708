/**
 * The Event Grid extension's webhook, `/runtime/webhooks/eventgrid?functionName=NAME`, as the extension serves it
 * (Microsoft.Azure.WebJobs.Extensions.EventGrid `HttpRequestProcessor` + `EventGridExtensionConfigProvider`):
 *  - `OPTIONS` is the CloudEvents abuse-protection handshake: 200 with `WebHook-Allowed-Origin`;
 *  - `aeg-event-type: SubscriptionValidation` answers 200 `{"validationResponse": code}`;
 *  - `aeg-event-type: Notification` invokes the function once per event, all in parallel, and answers
 *    202 Accepted when every invocation succeeded, 500 (so Event Grid retries) when any failed;
 *  - `aeg-event-type: Unsubscribe` answers 202; any other or missing `aeg-event-type` is a 400.
 * Beyond the extension, malformed events are rejected with a 400 naming the event index and field, so a broken
 * local publisher is caught at once instead of surfacing as a confusing function failure.
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

type EventSchema = 'EventGridSchema' | 'CloudEventSchemaV1_0';

class BadEventsError extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(event: Record<string, unknown>, field: string, where: string): void {
  const value = event[field];
  if (typeof value !== 'string' || value === '') {
    throw new BadEventsError(`${where}: required field "${field}" is ${value === undefined ? 'missing' : 'not a non-empty string'}`);
  }
}

function validateEvent(event: unknown, index: number, schema: EventSchema): Record<string, unknown> {
  const where = `event[${index}] (${schema === 'EventGridSchema' ? 'Event Grid schema' : 'CloudEvents 1.0'})`;
  if (!isObject(event)) throw new BadEventsError(`${where}: must be a JSON object`);
  if (schema === 'EventGridSchema') {
    for (const field of ['id', 'eventType', 'subject']) requireString(event, field, where);
    if (!('data' in event)) throw new BadEventsError(`${where}: required field "data" is missing`);
  } else {
    for (const field of ['specversion', 'type', 'source', 'id']) requireString(event, field, where);
    if (event.specversion !== '1.0') {
      throw new BadEventsError(`${where}: "specversion" is "${String(event.specversion)}", only "1.0" is supported`);
    }
  }
  return event;
}

/** Parses a Notification body into events and the schema they use. */
function parseEvents(body: Buffer, contentType: string): { events: Record<string, unknown>[]; schema: EventSchema } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new BadEventsError(`the request body is not valid JSON (${(e as Error).message})`);
  }
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (Array.isArray(json)) {
    if (json.length === 0) throw new BadEventsError('the request body is an empty array; Event Grid delivers at least one event');
    const first: unknown = json[0];
    const cloud = type === 'application/cloudevents-batch+json' || (isObject(first) && 'specversion' in first);
    const schema: EventSchema = cloud ? 'CloudEventSchemaV1_0' : 'EventGridSchema';
    return { schema, events: json.map((e, i) => validateEvent(e, i, schema)) };
  }
  if (isObject(json)) {
    const schema: EventSchema = type === 'application/cloudevents+json' || 'specversion' in json ? 'CloudEventSchemaV1_0' : 'EventGridSchema';
    return { schema, events: [validateEvent(json, 0, schema)] };
  }
  throw new BadEventsError(`the request body must be a JSON array of events or a single event object, not ${json === null ? 'null' : typeof json}`);
}

/** The validation code of a SubscriptionValidation request, from an Event Grid array or a CloudEvent object. */
function validationCodeOf(body: Buffer): string {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new BadEventsError(`the validation request body is not valid JSON (${(e as Error).message})`);
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
    const { events } = parseEvents(body, String(req.headers['content-type'] ?? ''));
    const results = await Promise.all(
      events.map((event) => {
        const triggerData: TypedData = { json: JSON.stringify(event) };
        // The extension's binding data is the event's `data`; the library camel-cases it into triggerMetadata.
        const triggerMetadata: Record<string, TypedData> = { data: { json: JSON.stringify(event.data ?? null) } };
        return ctx.invoke({ functionName: fn.name, triggerData, triggerMetadata }, `EventGrid trigger fired (event id ${String(event.id)})`);
      }),
    );
    const failedAt = results.findIndex((r) => !r.ok);
    const failed = results[failedAt];
    if (failed && !failed.ok) {
      return reject(500, 'FunctionFailed', `function '${fn.name}' failed on event[${failedAt}] (id ${String(events[failedAt]?.id)}): ${failed.error.message}`);
    }
    res.writeHead(202, { 'content-length': 0 }).end();
  } catch (e) {
    if (e instanceof BadEventsError) return reject(400, 'BadRequest', e.message);
    throw e;
  }
}
