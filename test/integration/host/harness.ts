// Shared set-up for the local host's integration tests: a virtual clock, a temp local.settings.json, captured logs.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Clock } from '../../../local/contract';
import { createLocalHost, type LocalHost, type LocalHostOptions } from '../../../local/host';

export const fixtureEntry = path.resolve(__dirname, '../../fixtures/host-app/index.ts');

export type HostFixture = typeof import('../../fixtures/host-app/index');

/** The fixture app's module, as the host loaded it (call only after a host was created: loading registers). */
export function loadedFixture(): HostFixture {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the same module instance the loader required
  return require(fixtureEntry) as HostFixture;
}

/** Time that moves only when told; due callbacks run in time order inside `advance`. */
export class VirtualClock implements Clock {
  private pending: { at: number; fn: () => void; id: number }[] = [];
  private sequence = 0;
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  schedule(at: number, fn: () => void): () => void {
    const id = (this.sequence += 1);
    this.pending.push({ at, fn, id });
    return () => {
      this.pending = this.pending.filter((p) => p.id !== id);
    };
  }
  /** Moves to `now + ms`, running each callback that falls due on the way at its own time. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.pending.filter((p) => p.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.pending = this.pending.filter((p) => p.id !== due.id);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = target;
  }
  scheduledTimes(): number[] {
    return this.pending.map((p) => p.at).sort((a, b) => a - b);
  }
}

export interface TestHost {
  host: LocalHost;
  baseUrl: string;
  clock: VirtualClock;
  lines: string[];
  dir: string;
  stop(): Promise<void>;
}

/** Starts the fixture app on a free loopback port with the given settings file content. */
export async function startTestHost(settings: unknown, overrides: Partial<LocalHostOptions> = {}): Promise<TestHost> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-host-'));
  const settingsFile = path.join(dir, 'local.settings.json');
  fs.writeFileSync(settingsFile, JSON.stringify(settings));
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 59, 58)); // a Monday, two seconds before 10:00
  const lines: string[] = [];
  const host = createLocalHost({
    entries: [fixtureEntry],
    settingsFile,
    env: {},
    port: 0,
    clock,
    logSink: (line) => lines.push(line),
    drainTimeoutInMs: 2000,
    ...overrides,
  });
  const baseUrl = await host.start();
  return {
    host,
    baseUrl,
    clock,
    lines,
    dir,
    async stop() {
      await host.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` passes (for work the host runs in the background), failing after `timeoutInMs`. */
export async function eventually(check: () => void, timeoutInMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
