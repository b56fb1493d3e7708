/**
 * The on-disk instance store: an append-only journal of operations with group commit, over a snapshot.
 *
 * Layout of the directory:
 *   snapshot.json          every instance and entity as of generation g (histories of finished instances excluded)
 *   journal-<g>.log        one JSON array of operations per line, appended after that snapshot
 *   archive/<sha1>.json    the history of a finished instance, read back on demand
 *
 * Every commit is one line; lines are buffered and written together with one fdatasync (group commit), so many
 * concurrent episodes share the cost of a sync. A torn last line (crash mid-write) is ignored on load: its commit
 * never resolved, so nobody acted on it. Compaction (at open, and when the journal grows past a threshold) writes a
 * new snapshot under the next generation and starts a new journal; the generation in the snapshot says which
 * journal belongs to it, so a crash anywhere in compaction never replays a journal twice.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { HistoryEvent } from './history';
import { applyOp, isTerminal, type EntityRecord, type OrchestrationRecord, type StoreOp } from './state';
import { StateBackedStore, type InstanceStore } from './store';

interface Snapshot {
  format: 1;
  generation: number;
  orchestrations: OrchestrationRecord[];
  entities: EntityRecord[];
}

export interface JournalStoreOptions {
  dir: string;
  /** Compact when the journal grows past this many bytes (default 32 MiB). */
  compactAtBytes?: number;
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

export class JournalCorruptError extends Error {
  constructor(file: string, line: number, cause: unknown) {
    super(
      `The Durable journal ${file} is corrupt at line ${line} (${cause instanceof Error ? cause.message : String(cause)}). ` +
        'Only a torn last line is repaired automatically; move the directory away to start empty.',
    );
    this.name = 'JournalCorruptError';
  }
}

export class JournalInstanceStore extends StateBackedStore implements InstanceStore {
  readonly kind = 'disk' as const;
  private generation = 0;
  private journal: fs.FileHandle | undefined;
  private journalBytes = 0;
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  private readonly purgedArchives: string[] = [];
  private readonly compactAtBytes: number;

  constructor(private readonly options: JournalStoreOptions) {
    super();
    this.compactAtBytes = options.compactAtBytes ?? 32 * 1024 * 1024;
  }

  private get dir(): string {
    return this.options.dir;
  }

  private journalPath(generation: number): string {
    return path.join(this.dir, `journal-${generation}.log`);
  }

  private archivePath(instanceId: string): string {
    return path.join(this.dir, 'archive', `${createHash('sha1').update(instanceId).digest('hex')}.json`);
  }

  async open(): Promise<void> {
    await fs.mkdir(path.join(this.dir, 'archive'), { recursive: true });
    const snapshotFile = path.join(this.dir, 'snapshot.json');
    let snapshot: Snapshot | undefined;
    try {
      snapshot = JSON.parse(await fs.readFile(snapshotFile, 'utf8')) as Snapshot;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`Cannot read the Durable snapshot ${snapshotFile}: ${(e as Error).message}`);
      }
    }
    if (snapshot) {
      this.generation = snapshot.generation;
      for (const rec of snapshot.orchestrations) this.state.orchestrations.set(rec.instanceId, rec);
      for (const rec of snapshot.entities) this.state.entities.set(rec.entityId, rec);
    }
    await this.replayJournal(this.journalPath(this.generation));
    await this.compact();
  }

  private async replayJournal(file: string): Promise<void> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (!line) continue;
      let ops: StoreOp[];
      try {
        ops = JSON.parse(line) as StoreOp[];
      } catch (e) {
        const isLast = lines.slice(i + 1).every((l) => l === '');
        if (isLast) break; // torn write of a commit that never resolved
        throw new JournalCorruptError(file, i + 1, e);
      }
      for (const op of ops) applyOp(this.state, op);
    }
  }

  /** Archives finished histories, writes the next snapshot, and switches to an empty journal. */
  private async compact(): Promise<void> {
    for (const rec of this.state.orchestrations.values()) {
      if (isTerminal(rec.status) && !rec.archived && rec.inbox.length === 0) {
        await writeDurably(this.archivePath(rec.instanceId), JSON.stringify({ instanceId: rec.instanceId, history: rec.history }));
        rec.history = [];
        rec.archived = true;
      }
    }
    const next = this.generation + 1;
    const snapshot: Snapshot = {
      format: 1,
      generation: next,
      orchestrations: [...this.state.orchestrations.values()],
      entities: [...this.state.entities.values()],
    };
    await writeDurably(path.join(this.dir, 'snapshot.json'), JSON.stringify(snapshot));
    await syncDir(this.dir);
    const old = this.journal;
    this.journal = await fs.open(this.journalPath(next), 'a');
    this.journalBytes = 0;
    await old?.close();
    this.generation = next;
    for (const name of await fs.readdir(this.dir)) {
      if (/^journal-\d+\.log$/.test(name) && name !== `journal-${next}.log`) {
        await fs.rm(path.join(this.dir, name), { force: true });
      }
    }
  }

  commit(ops: StoreOp[]): Promise<void> {
    // Serialize before applying: applied records are live objects that later operations mutate.
    const line = JSON.stringify(ops);
    for (const op of ops) {
      applyOp(this.state, op);
      if (op.t === 'purge') this.purgedArchives.push(op.id);
      if (op.t === 'create') {
        // A restarted instance id replaces an archived one: the old archive is stale.
        this.purgedArchives.push(op.rec.instanceId);
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push(line);
      this.waiters.push({ resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const lines = this.pending;
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        try {
          const journal = this.journal;
          if (!journal) throw new Error('The Durable journal is not open (open() was not called, or close() already ran).');
          const buf = Buffer.from(lines.join('\n') + '\n', 'utf8');
          await journal.write(buf);
          await journal.datasync();
          this.journalBytes += buf.length;
          waiters.forEach((w) => w.resolve());
        } catch (e) {
          const err = new Error(`Writing the Durable journal in ${this.dir} failed: ${(e as Error).message}`);
          waiters.forEach((w) => w.reject(err));
        }
        await this.removePurgedArchives();
        if (this.journalBytes > this.compactAtBytes && this.pending.length === 0) {
          await this.compact();
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async removePurgedArchives(): Promise<void> {
    while (this.purgedArchives.length > 0) {
      const id = this.purgedArchives.shift();
      if (id === undefined) break;
      const rec = this.state.orchestrations.get(id);
      if (rec?.archived) continue; // re-created and archived again since
      await fs.rm(this.archivePath(id), { force: true });
    }
  }

  async loadHistory(rec: OrchestrationRecord): Promise<HistoryEvent[]> {
    if (!rec.archived) return rec.history;
    const file = this.archivePath(rec.instanceId);
    const data = JSON.parse(await fs.readFile(file, 'utf8')) as { history: HistoryEvent[] };
    return data.history;
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.journal?.close();
    this.journal = undefined;
  }
}

async function writeDurably(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await fs.open(tmp, 'w');
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
