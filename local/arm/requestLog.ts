/** Counts of requests per operation kind (e.g. `PUT virtualNetworkPeerings`) and status, for "calls per resource". */

export interface OperationCounts {
  total: number;
  byStatus: Record<string, number>;
}

export interface RequestLogSnapshot {
  total: number;
  /** Write requests (PUT/PATCH/POST/DELETE) whatever their answer: what `ignoreReads` quiet waits count. */
  writeRequests: number;
  byOperation: Record<string, OperationCounts>;
  /**
   * The same counts per caller (the token's object ID; `anonymous` when the request was refused before a principal
   * was known): tells the control plane's own writes from a person's, the platform API's or a test driver's.
   */
  byPrincipal: Record<string, Record<string, OperationCounts>>;
  /**
   * Successful writes (2xx PUT/PATCH/POST/DELETE) per caller and per request path (lower-cased, without the query):
   * how often each resource was written, e.g. to compare two runs resource by resource. One entry per path written.
   */
  writesByPrincipal: Record<string, Record<string, number>>;
}

const WRITE_METHODS = new Set(['PUT', 'PATCH', 'POST', 'DELETE']);

/**
 * One request of the journal: every write request (whatever its answer) and every answer other than 2xx (reads and
 * status polls too), in order. A soak reads it to say why a resource was written more often than in a clean run: the
 * injected fault, the failed operation or the kill that came before a write on the same resource.
 */
export interface JournalEntry {
  /** Position in the journal (1, 2, ...: counted since start, so gaps show what a full journal dropped). */
  seq: number;
  /** Wall-clock time of the answer (ms since the epoch), comparable across processes on one machine. */
  at: number;
  method: string;
  /** Lower-cased, without the query. */
  path: string;
  status: number;
  principal: string;
  /** `http`: the fault injection answered instead of the resource provider; `lroFailure`: it made the operation this write started end Failed. */
  injected?: 'http' | 'lroFailure';
  /** For a status poll: the lower-cased path of the write that started the operation polled. */
  resource?: string;
}

/** Extra facts about one request the router knows (all optional: counts work without them). */
export interface RequestDetail {
  injected?: JournalEntry['injected'];
  /** The Azure-AsyncOperation or Location URL a write answered with: its polls are attributed to the write's path. */
  operationUrl?: string;
}

/** Entries the journal keeps; when full it drops the oldest tenth (a 10,000-event soak writes well under this). */
export const JOURNAL_LIMIT = 200_000;

/** The operation ID a status or result URL ends with (its last path segment), lower-cased. */
function operationIdOf(url: string): string | undefined {
  const pathname = url.split('?')[0] ?? '';
  const last = pathname.split('/').filter((s) => s.length > 0).pop();
  return last?.toLowerCase();
}

export class RequestLog {
  private counts = new Map<string, OperationCounts>();
  private principals = new Map<string, Map<string, OperationCounts>>();
  private writes = new Map<string, Map<string, number>>();
  private total = 0;
  private writeRequests = 0;
  private entries: JournalEntry[] = [];
  private seq = 0;
  /** Operation ID -> the lower-cased path of the write that started it (bounded with the journal). */
  private operations = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  record(operation: string, status: number, principal = 'anonymous', path?: string, detail: RequestDetail = {}): void {
    const method = operation.split(' ')[0] ?? '';
    if (path !== undefined) this.journal(method, status, principal, path, detail);
    if (path !== undefined && status >= 200 && status < 300 && WRITE_METHODS.has(method)) {
      let perPath = this.writes.get(principal);
      if (!perPath) {
        perPath = new Map();
        this.writes.set(principal, perPath);
      }
      const key = path.toLowerCase();
      perPath.set(key, (perPath.get(key) ?? 0) + 1);
    }
    let perPrincipal = this.principals.get(principal);
    if (!perPrincipal) {
      perPrincipal = new Map();
      this.principals.set(principal, perPrincipal);
    }
    for (const counts of [this.counts, perPrincipal]) {
      let entry = counts.get(operation);
      if (!entry) {
        entry = { total: 0, byStatus: {} };
        counts.set(operation, entry);
      }
      entry.total += 1;
      entry.byStatus[String(status)] = (entry.byStatus[String(status)] ?? 0) + 1;
    }
    this.total += 1;
    if (WRITE_METHODS.has(method)) this.writeRequests += 1;
  }

  /** Requests of one operation kind, optionally only those answered with `status`. */
  count(operation: string, status?: number): number {
    const entry = this.counts.get(operation);
    if (!entry) return 0;
    return status === undefined ? entry.total : (entry.byStatus[String(status)] ?? 0);
  }

  private journal(method: string, status: number, principal: string, path: string, detail: RequestDetail): void {
    const ok = status >= 200 && status < 300;
    const key = path.toLowerCase();
    if (ok && detail.operationUrl !== undefined && WRITE_METHODS.has(method)) {
      const id = operationIdOf(detail.operationUrl);
      if (id) this.operations.set(id, key);
      if (this.operations.size > JOURNAL_LIMIT) this.operations = new Map([...this.operations].slice(Math.ceil(JOURNAL_LIMIT / 2)));
    }
    if (ok && !WRITE_METHODS.has(method) && detail.injected === undefined) return;
    const resource = WRITE_METHODS.has(method) ? undefined : this.operations.get(operationIdOf(key) ?? '');
    this.seq += 1;
    this.entries.push({ seq: this.seq, at: this.now(), method, path: key, status, principal, ...(detail.injected ? { injected: detail.injected } : {}), ...(resource ? { resource } : {}) });
    if (this.entries.length > JOURNAL_LIMIT) {
      this.entries = this.entries.slice(Math.ceil(JOURNAL_LIMIT / 10));
    }
  }

  /** The journal (see JournalEntry), oldest first; `afterSeq` leaves out what a reader has already seen. */
  journalEntries(afterSeq = 0): JournalEntry[] {
    return this.entries.filter((e) => e.seq > afterSeq);
  }

  snapshot(): RequestLogSnapshot {
    const byOperation: Record<string, OperationCounts> = {};
    for (const [op, entry] of this.counts) byOperation[op] = { total: entry.total, byStatus: { ...entry.byStatus } };
    const byPrincipal: Record<string, Record<string, OperationCounts>> = {};
    for (const [principal, counts] of this.principals) {
      const ops: Record<string, OperationCounts> = {};
      for (const [op, entry] of counts) ops[op] = { total: entry.total, byStatus: { ...entry.byStatus } };
      byPrincipal[principal] = ops;
    }
    const writesByPrincipal: Record<string, Record<string, number>> = {};
    for (const [principal, paths] of this.writes) writesByPrincipal[principal] = Object.fromEntries(paths);
    return { total: this.total, writeRequests: this.writeRequests, byOperation, byPrincipal, writesByPrincipal };
  }

  reset(): void {
    this.counts = new Map();
    this.principals = new Map();
    this.writes = new Map();
    this.total = 0;
    this.writeRequests = 0;
    this.entries = [];
    this.operations = new Map();
  }
}
