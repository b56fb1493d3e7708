/**
 * Instance status as the extension's HTTP API returns it (HttpApiHandler.ConvertFrom / StatusResponsePayload),
 * which is what `DurableClient.getStatus` turns into a DurableOrchestrationStatus.
 */
import { EventType, publicEvent, type HistoryEvent } from './history';
import type { OrchestrationRecord, RuntimeStatus } from './state';

export interface StatusOptions {
  showHistory?: boolean;
  showHistoryOutput?: boolean;
  /** Default true, as in the extension. */
  showInput?: boolean;
}

export interface OrchestrationStatusJson {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  /** The extension's field name for the history. */
  historyEvents?: unknown[];
  /** The same list under the name durable-functions' DurableOrchestrationStatus reads. */
  history?: unknown[];
}

const parse = (json: string | undefined): unknown => (json === undefined ? null : (JSON.parse(json) as unknown));

/** Seconds precision with a Z, like .NET's `ToString("s") + "Z"`. */
export const statusTime = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

const HIDDEN_EVENTS = new Set<number>([EventType.OrchestratorStarted, EventType.OrchestratorCompleted]);

export function statusJson(rec: OrchestrationRecord, history: HistoryEvent[] | undefined, options: StatusOptions = {}): OrchestrationStatusJson {
  const out: OrchestrationStatusJson = {
    name: rec.name,
    instanceId: rec.instanceId,
    runtimeStatus: rec.status,
    input: options.showInput === false ? null : parse(rec.input),
    customStatus: parse(rec.customStatus),
    output: parse(rec.output),
    createdTime: statusTime(rec.createdTime),
    lastUpdatedTime: statusTime(rec.lastUpdatedTime),
  };
  if (options.showHistory && history) {
    const events = history
      .filter((e) => !HIDDEN_EVENTS.has(e.EventType))
      .map((e) => {
        const shown = publicEvent(e);
        if (!options.showHistoryOutput) {
          delete shown.Result;
          delete shown.Input;
        }
        return shown;
      });
    out.historyEvents = events;
    out.history = events;
  }
  return out;
}

export interface ListQuery {
  runtimeStatus?: RuntimeStatus[];
  createdTimeFrom?: number;
  createdTimeTo?: number;
  instanceIdPrefix?: string;
  /** Page size; 0 or absent means everything. */
  top?: number;
  continuationToken?: string;
  showInput?: boolean;
}

export function matchesQuery(rec: OrchestrationRecord, q: ListQuery): boolean {
  if (q.runtimeStatus && q.runtimeStatus.length > 0 && !q.runtimeStatus.includes(rec.status)) return false;
  if (q.createdTimeFrom !== undefined && rec.createdTime < q.createdTimeFrom) return false;
  if (q.createdTimeTo !== undefined && rec.createdTime > q.createdTimeTo) return false;
  if (q.instanceIdPrefix !== undefined && !rec.instanceId.startsWith(q.instanceIdPrefix)) return false;
  return true;
}
