/**
 * Event Grid for the embedded default: Azure subscription system topics (Microsoft.Resources.Subscriptions) that turn
 * ARM emulator notifications into Microsoft.Resources.* events and deliver them to webhooks like Azure does.
 */
export {
  createEventGridPublisher,
  EventSubscriptionValidationError,
  type EventGridPublisher,
  type EventGridPublisherOptions,
  type EventSubscription,
  type EventSubscriptionRef,
  type PublishResult,
} from './publisher';
export type { ResourceNotification, ResourceOperationKind, ResourceOperationStatus } from './notification';
export {
  caseResourceId,
  defaultResourceIdCasing,
  resourceEventType,
  toResourceEvents,
  type CloudEventSchemaEvent,
  type EventGridSchemaEvent,
  type ResourceEventData,
  type ResourceEventOptions,
  type ResourceIdCasing,
} from './resourceEvents';
export type { EventSubscriptionFilter, AdvancedFilter } from './filters';
export { EventSubscriptionOptionsError, type EventSubscriptionOptions } from './subscriptionOptions';
export type { EventDeliverySchema } from './handshake';
export type { InjectionSettings } from './injection';
export type { DeliveryLogView, DeliveryRecord, DeadLetteredEvent, DeliveryCounts, DeliveryOutcome } from './deliveryLog';
export { retryScheduleInMs, defaultNonRetriedStatuses, defaultRetryPolicy } from './retryPolicy';
export { publishResourceEvents, type ResourceNotificationSource } from './armBridge';
export { createEventGate, LOCAL_EVENTGRID_PATH, type EventGate } from './pause';
