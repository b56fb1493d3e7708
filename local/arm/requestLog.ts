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

export class RequestLog {
  private counts = new Map<string, OperationCounts>();
  private principals = new Map<string, Map<string, OperationCounts>>();
  private writes = new Map<string, Map<string, number>>();
  private total = 0;
  private writeRequests = 0;

  record(operation: string, status: number, principal = 'anonymous', path?: string): void {
    const method = operation.split(' ')[0] ?? '';
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
  }
}
