/** Counts of requests per operation kind (e.g. `PUT virtualNetworkPeerings`) and status, for "calls per resource". */

export interface OperationCounts {
  total: number;
  byStatus: Record<string, number>;
}

export interface RequestLogSnapshot {
  total: number;
  byOperation: Record<string, OperationCounts>;
}

export class RequestLog {
  private counts = new Map<string, OperationCounts>();
  private total = 0;

  record(operation: string, status: number): void {
    let entry = this.counts.get(operation);
    if (!entry) {
      entry = { total: 0, byStatus: {} };
      this.counts.set(operation, entry);
    }
    entry.total += 1;
    entry.byStatus[String(status)] = (entry.byStatus[String(status)] ?? 0) + 1;
    this.total += 1;
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
    return { total: this.total, byOperation };
  }

  reset(): void {
    this.counts = new Map();
    this.total = 0;
  }
}
