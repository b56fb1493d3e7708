/**
 * The endpoint validation Event Grid performs before an event subscription to a webhook exists:
 *  - Event Grid schema: POST of a `Microsoft.EventGrid.SubscriptionValidationEvent` with header
 *    `aeg-event-type: SubscriptionValidation`; the endpoint answers 200 `{"validationResponse": "<validationCode>"}`.
 *  - CloudEvents 1.0: the CloudEvents webhook abuse protection, `OPTIONS` with `WebHook-Request-Origin:
 *    eventgrid.azure.net`; the endpoint answers 200 with `WebHook-Allowed-Origin` (that origin or `*`).
 * A failed handshake fails the subscription's creation, as in Azure.
 */
import { randomUUID } from 'node:crypto';
import { sendWebhookRequest, WebhookTransportError } from './webhookClient';

export type EventDeliverySchema = 'EventGridSchema' | 'CloudEventSchemaV1_0';

export const eventGridOrigin = 'eventgrid.azure.net';
export const validationEventType = 'Microsoft.EventGrid.SubscriptionValidationEvent';

/** The webhook did not complete the validation handshake; the event subscription was not created. */
export class EventSubscriptionValidationError extends Error {
  constructor(
    message: string,
    readonly endpointUrl: string,
    readonly schema: EventDeliverySchema,
  ) {
    super(message);
    this.name = 'EventSubscriptionValidationError';
  }
}

export interface HandshakeTarget {
  subscriptionName: string;
  endpointUrl: string;
  schema: EventDeliverySchema;
  /** The system topic's resource ID, used as the validation event's `topic`. */
  topicId: string;
  /** Region of the system topic; only shapes the (unreachable) validationUrl. */
  location: string;
  timeoutInMs: number;
  ca?: string | Buffer;
  signal?: AbortSignal;
}

function describeFailure(error: unknown): string {
  if (error instanceof WebhookTransportError || error instanceof Error) return error.message;
  return String(error);
}

async function validateEventGridSchema(target: HandshakeTarget, now: Date): Promise<void> {
  const validationCode = randomUUID().toUpperCase();
  const validationUrl =
    `https://rp-${target.location}.eventgrid.azure.net:553/eventsubscriptions/${target.subscriptionName.toLowerCase()}` +
    `/validate?id=${validationCode}&t=${encodeURIComponent(now.toISOString())}&apiVersion=2025-02-15`;
  const event = {
    id: randomUUID(),
    topic: target.topicId,
    subject: '',
    data: { validationCode, validationUrl },
    eventType: validationEventType,
    eventTime: now.toISOString(),
    metadataVersion: '1',
    dataVersion: '2',
  };
  const expectation =
    `Event Grid sent a ${validationEventType} (header aeg-event-type: SubscriptionValidation) and expects ` +
    `HTTP 200 with body {"validationResponse":"${validationCode}"}`;
  let answer;
  try {
    answer = await sendWebhookRequest({
      url: target.endpointUrl,
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'aeg-event-type': 'SubscriptionValidation',
        'aeg-subscription-name': target.subscriptionName.toUpperCase(),
        'aeg-delivery-count': '0',
        'aeg-data-version': '2',
        'aeg-metadata-version': '1',
      },
      body: JSON.stringify([event]),
      timeoutInMs: target.timeoutInMs,
      ...(target.ca !== undefined ? { ca: target.ca } : {}),
      ...(target.signal !== undefined ? { signal: target.signal } : {}),
    });
  } catch (error) {
    throw new EventSubscriptionValidationError(
      `Webhook validation handshake failed for ${target.endpointUrl}: ${describeFailure(error)}. ${expectation}.`,
      target.endpointUrl,
      target.schema,
    );
  }
  let response: unknown;
  try {
    response = JSON.parse(answer.body);
  } catch {
    response = undefined;
  }
  const echoed =
    response !== null && typeof response === 'object'
      ? (response as Record<string, unknown>)['validationResponse']
      : undefined;
  if (answer.status !== 200 || typeof echoed !== 'string' || echoed.toUpperCase() !== validationCode) {
    throw new EventSubscriptionValidationError(
      `Webhook validation handshake failed for ${target.endpointUrl}: it answered HTTP ${answer.status} with body ` +
        `${JSON.stringify(answer.body.slice(0, 300))}. ${expectation}.`,
      target.endpointUrl,
      target.schema,
    );
  }
}

async function validateCloudEventsSchema(target: HandshakeTarget): Promise<void> {
  const expectation =
    `Event Grid sent OPTIONS with WebHook-Request-Origin: ${eventGridOrigin} and expects HTTP 200 with header ` +
    `WebHook-Allowed-Origin: ${eventGridOrigin} (or *)`;
  let answer;
  try {
    answer = await sendWebhookRequest({
      url: target.endpointUrl,
      method: 'OPTIONS',
      headers: { 'webhook-request-origin': eventGridOrigin },
      timeoutInMs: target.timeoutInMs,
      ...(target.ca !== undefined ? { ca: target.ca } : {}),
      ...(target.signal !== undefined ? { signal: target.signal } : {}),
    });
  } catch (error) {
    throw new EventSubscriptionValidationError(
      `CloudEvents webhook validation failed for ${target.endpointUrl}: ${describeFailure(error)}. ${expectation}.`,
      target.endpointUrl,
      target.schema,
    );
  }
  const allowed = answer.headers['webhook-allowed-origin'];
  const origins = (Array.isArray(allowed) ? allowed.join(',') : (allowed ?? ''))
    .split(',')
    .map((o) => o.trim().toLowerCase());
  if (answer.status !== 200 || !(origins.includes(eventGridOrigin) || origins.includes('*'))) {
    throw new EventSubscriptionValidationError(
      `CloudEvents webhook validation failed for ${target.endpointUrl}: it answered HTTP ${answer.status} with ` +
        `WebHook-Allowed-Origin ${allowed === undefined ? '(absent)' : JSON.stringify(allowed)}. ${expectation}.`,
      target.endpointUrl,
      target.schema,
    );
  }
}

/** Runs the handshake for the subscription's schema; throws EventSubscriptionValidationError when it fails. */
export async function validateWebhookEndpoint(target: HandshakeTarget, now: Date): Promise<void> {
  if (target.schema === 'CloudEventSchemaV1_0') await validateCloudEventsSchema(target);
  else await validateEventGridSchema(target, now);
}
