import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createVirtualClock } from '../../../local/clock';
import { EventType } from '../../../local/durable';
import { JournalCorruptError, JournalInstanceStore } from '../../../local/durable/journal-store';
import { startHarness } from './harness';

describe('on-disk journal store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'durable-journal-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps finished instances across restarts, archiving their history and loading it on demand', async () => {
    const a = await startHarness({ store: { dir } });
    const id = await a.engine.startNew('HelloSequence', { instanceId: 'kept' });
    await a.engine.waitForCompletion(id, 5000);
    const before = await a.engine.getHistory(id);
    await a.close();

    const b = await startHarness({ store: { dir } });
    try {
      const rec = b.engine.store.getOrchestration('kept');
      expect(rec).toMatchObject({ status: 'Completed', archived: true, history: [] });
      expect(await b.engine.getHistory('kept')).toEqual(before);
      const status = await b.engine.getStatus('kept', { showHistory: true });
      expect(status?.output).toEqual(['Hello Tokyo!', 'Hello Seattle!', 'Hello London!']);
      expect(status?.history).toHaveLength(8);
      expect(await b.engine.purge('kept')).toBe('purged');
      await b.engine.whenIdle();
    } finally {
      await b.close();
    }
    // The purge reached the disk: the archive is gone and a third start does not know the instance.
    expect(readdirSync(path.join(dir, 'archive'))).toEqual([]);
    const c = await startHarness({ store: { dir } });
    try {
      expect(await c.engine.getStatus('kept')).toBeUndefined();
    } finally {
      await c.close();
    }
  });

  it('resumes a pending timer (late if overdue) and keeps buffered external events across a restart', async () => {
    const clock1 = createVirtualClock(Date.UTC(2026, 0, 1));
    const a = await startHarness({ store: { dir }, clock: clock1 });
    const sleeper = await a.engine.startNew('Sleeper', { instanceId: 'sleeper', inputJson: JSON.stringify({ ms: 3600_000 }) });
    const waiter = await a.engine.startNew('WaitTwice', { instanceId: 'waiter' });
    await a.engine.raiseEvent(waiter, 'Step', '"before restart"');
    await a.engine.whenIdle();
    expect((await a.engine.getStatus(sleeper))?.runtimeStatus).toBe('Running');
    await a.close();

    // Two hours later: the timer is overdue and fires as soon as the engine is back.
    const clock2 = createVirtualClock(Date.UTC(2026, 0, 1, 2));
    const b = await startHarness({ store: { dir }, clock: clock2 });
    try {
      clock2.advance(0);
      const woke = await b.engine.waitForCompletion(sleeper, 5000);
      expect((woke.output as { woke: string }).woke).toBe(new Date(Date.UTC(2026, 0, 1, 2)).toISOString());
      await b.engine.raiseEvent(waiter, 'Step', '"after restart"');
      expect((await b.engine.waitForCompletion(waiter, 5000)).output).toEqual(['before restart', 'after restart']);
    } finally {
      await b.close();
    }
  });

  it('keeps entity state across restarts', async () => {
    const a = await startHarness({ store: { dir } });
    await a.engine.signalEntity('Counter', 'disk', 'add', '41');
    await a.engine.signalEntity('Counter', 'disk', 'add', '1');
    await a.engine.whenIdle();
    await a.close();
    const b = await startHarness({ store: { dir } });
    try {
      expect(b.engine.readEntity('Counter', 'disk')).toEqual({ exists: true, state: 42 });
    } finally {
      await b.close();
    }
  });

  it('ignores a torn last journal line and refuses a corrupt line in the middle', async () => {
    const store = new JournalInstanceStore({ dir });
    await store.open();
    const rec = {
      instanceId: 'x', name: 'HelloSequence', executionId: 'e', status: 'Running' as const, createdTime: 1, lastUpdatedTime: 1,
      history: [], inbox: [],
    };
    await store.commit([{ t: 'create', rec }]);
    await store.commit([{ t: 'inbox', id: 'x', ev: { EventType: EventType.EventRaised, EventId: -1, IsPlayed: false, Timestamp: 'T', Name: 'a' } }]);
    await store.close();
    const journal = readdirSync(dir).find((f) => f.startsWith('journal-')) as string;
    appendFileSync(path.join(dir, journal), '[{"t":"inbox","id":"x","ev":{"Event');

    const reopened = new JournalInstanceStore({ dir });
    await reopened.open();
    expect(reopened.getOrchestration('x')?.inbox.map((e) => e.Name)).toEqual(['a']);
    await reopened.close();

    const next = readdirSync(dir).find((f) => f.startsWith('journal-')) as string;
    writeFileSync(path.join(dir, next), 'not json\n[]\n');
    await expect(new JournalInstanceStore({ dir }).open()).rejects.toThrow(JournalCorruptError);
    expect(readFileSync(path.join(dir, next), 'utf8')).toContain('not json');
  });

  it('compacts a growing journal into a new snapshot generation while running', async () => {
    const a = await startHarness({ store: { dir, compactAtBytes: 4096 } });
    const ids = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => a.engine.startNew('FiveSteps', { instanceId: `c-${i}`, inputJson: String(i) })));
    for (const id of ids) await a.engine.waitForCompletion(id, 5000);
    await a.engine.whenIdle();
    const snapshot = JSON.parse(readFileSync(path.join(dir, 'snapshot.json'), 'utf8')) as { generation: number };
    // Generation 1 was written at open; a runtime compaction moved on from it.
    expect(snapshot.generation).toBeGreaterThan(1);
    expect(readdirSync(dir).filter((f) => f.startsWith('journal-'))).toEqual([`journal-${snapshot.generation}.log`]);
    await a.close();
    const b = await startHarness({ store: { dir } });
    try {
      for (const [i, id] of ids.entries()) expect((await b.engine.getStatus(id))?.output).toBe(i * 32);
    } finally {
      await b.close();
    }
  });
});
