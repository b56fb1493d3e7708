/**
 * Event subscription filters, evaluated the way Event Grid does: event types, subject prefix/suffix (case-insensitive
 * unless isSubjectCaseSensitive), and string advanced filters on a dotted key of the event *in the subscription's
 * delivery schema* (e.g. `data.operationName`, `subject`; `eventType` or `type`). All conditions are ANDed; the
 * values of one advanced filter are ORed; string advanced filters compare case-insensitively.
 */
import { z } from 'zod';

export const stringAdvancedFilterOperators = [
  'StringIn',
  'StringNotIn',
  'StringBeginsWith',
  'StringNotBeginsWith',
  'StringEndsWith',
  'StringNotEndsWith',
  'StringContains',
  'StringNotContains',
] as const;

export const advancedFilterSchema = z.object({
  operatorType: z.enum(stringAdvancedFilterOperators),
  key: z.string().min(1),
  values: z.array(z.string()).min(1).max(25),
});
export type AdvancedFilter = z.infer<typeof advancedFilterSchema>;

export const eventSubscriptionFilterSchema = z.object({
  includedEventTypes: z.array(z.string().min(1)).optional(),
  subjectBeginsWith: z.string().optional(),
  subjectEndsWith: z.string().optional(),
  isSubjectCaseSensitive: z.boolean().optional(),
  // Azure allows 25 advanced filters per subscription.
  advancedFilters: z.array(advancedFilterSchema).max(25).optional(),
});
export type EventSubscriptionFilter = z.infer<typeof eventSubscriptionFilterSchema>;

/** The fields a filter reads, whichever schema the event is in. */
export interface FilterableEvent {
  type: string;
  subject: string;
  /** The event object in the subscription's delivery schema, for advanced-filter keys. */
  wire: object;
}

function valueAtKey(event: object, key: string): unknown {
  let current: unknown = event;
  for (const part of key.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function matchesAdvanced(filter: AdvancedFilter, event: object): boolean {
  const raw = valueAtKey(event, filter.key);
  const negated = filter.operatorType.startsWith('StringNot');
  // A missing key fails every positive operator and satisfies every negated one (Event Grid semantics).
  if (raw === undefined || raw === null) return negated;
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') return negated;
  const value = String(raw).toLowerCase();
  const values = filter.values.map((v) => v.toLowerCase());
  switch (filter.operatorType) {
    case 'StringIn':
      return values.includes(value);
    case 'StringNotIn':
      return !values.includes(value);
    case 'StringBeginsWith':
      return values.some((v) => value.startsWith(v));
    case 'StringNotBeginsWith':
      return !values.some((v) => value.startsWith(v));
    case 'StringEndsWith':
      return values.some((v) => value.endsWith(v));
    case 'StringNotEndsWith':
      return !values.some((v) => value.endsWith(v));
    case 'StringContains':
      return values.some((v) => value.includes(v));
    case 'StringNotContains':
      return !values.some((v) => value.includes(v));
  }
}

/** True when the event passes every condition of the filter (an absent filter passes everything). */
export function matchesFilter(filter: EventSubscriptionFilter | undefined, event: FilterableEvent): boolean {
  if (filter === undefined) return true;
  if (filter.includedEventTypes !== undefined && filter.includedEventTypes.length > 0) {
    const type = event.type.toLowerCase();
    if (!filter.includedEventTypes.some((t) => t.toLowerCase() === type)) return false;
  }
  const caseSensitive = filter.isSubjectCaseSensitive === true;
  const subject = caseSensitive ? event.subject : event.subject.toLowerCase();
  if (filter.subjectBeginsWith) {
    const prefix = caseSensitive ? filter.subjectBeginsWith : filter.subjectBeginsWith.toLowerCase();
    if (!subject.startsWith(prefix)) return false;
  }
  if (filter.subjectEndsWith) {
    const suffix = caseSensitive ? filter.subjectEndsWith : filter.subjectEndsWith.toLowerCase();
    if (!subject.endsWith(suffix)) return false;
  }
  for (const advanced of filter.advancedFilters ?? []) {
    if (!matchesAdvanced(advanced, event.wire)) return false;
  }
  return true;
}
