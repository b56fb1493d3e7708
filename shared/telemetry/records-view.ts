/**
 * The gauges read from the records at each metric collection, as a pure function of the records and the time
 * (table-tested in test/unit/shared/telemetry.test.ts): resources by flow and condition, how long the oldest
 * unconverged resource of each flow has been so, egress requests by state and the oldest waiting approval, stamps
 * by state.
 */
import type { Attributes } from '@opentelemetry/api';
import { isFailure, type ManagedRecord } from '../store/records';
import { FLOW_OF_KIND } from './metrics';

export interface GaugePoint {
  value: number;
  attributes: Attributes;
}

export type RecordsByKind = Record<keyof typeof FLOW_OF_KIND, ManagedRecord[]>;

export const STAMP_STATES = ['Healthy', 'Suspect', 'Ejected', 'Probation'] as const;

const secondsSince = (iso: string | undefined, now: number): number | undefined => {
  const t = iso === undefined ? NaN : Date.parse(iso);
  return Number.isFinite(t) ? Math.max(0, (now - t) / 1000) : undefined;
};

const egressStatus = (r: ManagedRecord): string | undefined => {
  const s = (r.details as { status?: unknown }).status;
  return typeof s === 'string' ? s : undefined;
};

/** When an egress request started waiting for approval: its history's last PendingApproval entry, else its condition's transition. */
function pendingSince(r: ManagedRecord): string | undefined {
  const history = (r.details as { history?: Array<{ at?: unknown; status?: unknown }> }).history;
  const entry = Array.isArray(history) ? [...history].reverse().find((h) => h.status === 'PendingApproval' && typeof h.at === 'string') : undefined;
  return typeof entry?.at === 'string' ? entry.at : r.condition.lastTransitionTime;
}

export function recordGauges(byKind: RecordsByKind, now: number): {
  resources: GaugePoint[];
  notConverged: GaugePoint[];
  egressRequests: GaugePoint[];
  egressOldestPending: GaugePoint[];
  stamps: GaugePoint[];
} {
  const resources = new Map<string, GaugePoint>();
  const notConverged: GaugePoint[] = [];
  for (const [kind, flow] of Object.entries(FLOW_OF_KIND) as Array<[keyof typeof FLOW_OF_KIND, string]>) {
    let oldest = 0;
    for (const r of byKind[kind]) {
      const key = `${flow}\n${r.condition.status}\n${r.condition.reason}`;
      const point = resources.get(key) ?? { value: 0, attributes: { flow, status: r.condition.status, reason: r.condition.reason } };
      point.value += 1;
      resources.set(key, point);
      // Stamps out of rotation are their own gauge (a decision, not a resource stuck); a request waiting for people is the approval age.
      const stuck = kind !== 'stamp' && isFailure(r.condition) && !(kind === 'egressRequest' && egressStatus(r) === 'PendingApproval');
      if (stuck) oldest = Math.max(oldest, secondsSince(r.condition.lastTransitionTime, now) ?? 0);
    }
    if (kind !== 'stamp') notConverged.push({ value: oldest, attributes: { flow } });
  }

  const egressStates = new Map<string, number>();
  let oldestPending = 0;
  for (const r of byKind.egressRequest) {
    const status = egressStatus(r);
    if (status === undefined) continue;
    egressStates.set(status, (egressStates.get(status) ?? 0) + 1);
    if (status === 'PendingApproval') oldestPending = Math.max(oldestPending, secondsSince(pendingSince(r), now) ?? 0);
  }

  const stampStates = new Map<string, number>(STAMP_STATES.map((s) => [s, 0]));
  for (const r of byKind.stamp) {
    const state = (r.details as { state?: unknown }).state;
    if (typeof state === 'string') stampStates.set(state, (stampStates.get(state) ?? 0) + 1);
  }

  return {
    resources: [...resources.values()],
    notConverged,
    egressRequests: [...egressStates].map(([state, value]) => ({ value, attributes: { state } })),
    egressOldestPending: [{ value: oldestPending, attributes: {} }],
    stamps: [...stampStates].map(([state, value]) => ({ value, attributes: { state } })),
  };
}
