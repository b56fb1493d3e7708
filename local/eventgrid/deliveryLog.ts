/**
 * What happened to every delivery, per event subscription: for tests (assert retries, drops, duplicates) and for
 * benchmarks (count HTTP attempts per converged change). Times are clock milliseconds.
 */
import type { CloudEventSchemaEvent, EventGridSchemaEvent } from './resourceEvents';
import type { DeadLetterReason } from './retryPolicy';

export type DeliveryOutcome =
  /** The endpoint answered 200..204. */
  | 'delivered'
  /** The attempt failed and another is scheduled. */
  | 'retried'
  /** Given up (never retried status, attempts or time-to-live exhausted): kept in the dead-letter list. */
  | 'deadLettered'
  /** Given up without dead-lettering (dead-lettering disabled, subscription deleted, publisher stopped). */
  | 'dropped'
  /** An extra copy sent by the duplicate injection after a successful delivery. */
  | 'duplicated';

export interface DeliveryRecord {
  azureSubscriptionId: string;
  subscriptionName: string;
  outcome: DeliveryOutcome;
  eventIds: string[];
  /** 1-based attempt number of this batch (duplicates carry the attempt they copy). */
  attempt: number;
  httpStatus?: number;
  error?: string;
  reason?: DeadLetterReason | 'DeadLetteringDisabled' | 'SubscriptionDeleted' | 'PublisherStopped';
  at: number;
}

/** A given-up event with the fields Azure writes into its dead-letter blobs. */
export interface DeadLetteredEvent {
  azureSubscriptionId: string;
  subscriptionName: string;
  event: EventGridSchemaEvent | CloudEventSchemaEvent;
  deadLetterReason: DeadLetterReason;
  deliveryAttempts: number;
  lastDeliveryOutcome: string;
  lastHttpStatusCode?: number;
  publishTime: string;
  lastDeliveryAttemptTime: string;
}

export interface DeliveryCounts {
  /** Events delivered (200..204), duplicates not included. */
  delivered: number;
  /** Failed attempts followed by a retry. */
  retried: number;
  deadLettered: number;
  dropped: number;
  duplicated: number;
  /** HTTP requests made for notifications, duplicates included (not handshakes). */
  attempts: number;
}

export interface DeliveryLogView {
  records: DeliveryRecord[];
  deadLetters: DeadLetteredEvent[];
  counts: DeliveryCounts;
}

export interface DeliveryLogFilter {
  name?: string;
  azureSubscriptionId?: string;
}

export class DeliveryLog {
  private readonly records: DeliveryRecord[] = [];
  private readonly deadLetters: DeadLetteredEvent[] = [];

  add(record: DeliveryRecord): void {
    this.records.push(record);
  }

  addDeadLetter(entry: DeadLetteredEvent): void {
    this.deadLetters.push(entry);
  }

  view(filter: DeliveryLogFilter = {}): DeliveryLogView {
    const matches = (r: { subscriptionName: string; azureSubscriptionId: string }): boolean =>
      (filter.name === undefined || r.subscriptionName.toLowerCase() === filter.name.toLowerCase()) &&
      (filter.azureSubscriptionId === undefined ||
        r.azureSubscriptionId.toLowerCase() === filter.azureSubscriptionId.toLowerCase());
    const records = this.records.filter(matches);
    const counts: DeliveryCounts = { delivered: 0, retried: 0, deadLettered: 0, dropped: 0, duplicated: 0, attempts: 0 };
    for (const r of records) {
      const events = r.eventIds.length;
      if (r.outcome === 'retried') counts.retried += 1;
      else counts[r.outcome] += events;
      // Every outcome except a drop without a request (deleted subscription, stop) stands for one HTTP request.
      if (r.httpStatus !== undefined || r.error !== undefined) counts.attempts += 1;
    }
    return { records, deadLetters: this.deadLetters.filter(matches), counts };
  }
}
