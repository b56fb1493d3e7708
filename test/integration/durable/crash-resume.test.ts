import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const RUNNER = path.resolve(__dirname, '../../../dist/test/fixtures/durable-app/engine-runner.js');

interface Runner {
  child: ChildProcess;
  baseUrl: string;
  stderr: () => string;
}

function startRunner(storeDir: string): Promise<Runner> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, storeDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m?.[1]) resolve({ child, baseUrl: m[1], stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`engine-runner exited with ${code} before READY:\n${err}`)));
  });
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const runs = (dir: string): string[] =>
  existsSync(path.join(dir, 'runs.log')) ? readFileSync(path.join(dir, 'runs.log'), 'utf8').split('\n').filter(Boolean) : [];

describe('crash and resume with the on-disk store', () => {
  let work: string;
  const children: ChildProcess[] = [];
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'durable-crash-'));
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('resumes after kill -9: completed activities never run again, the interrupted one runs again', async () => {
    if (!existsSync(RUNNER)) throw new Error(`${RUNNER} is missing: the jest globalSetup builds dist/ with tsc -p tsconfig.build.json`);
    const storeDir = path.join(work, 'store');
    writeFileSync(path.join(work, 'hold-two'), 'the Step activity "two" waits while this file exists');

    const first = await startRunner(storeDir);
    children.push(first.child);
    const start = await fetch(`${first.baseUrl}/runtime/webhooks/durabletask/orchestrators/CrashSequence/crash-1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dir: work }),
    });
    expect(start.status).toBe(202);
    // Step "one" has completed and step "two" is running (held) when the process dies.
    await waitFor('step two to start', () => (runs(work).includes('two') ? true : undefined));
    await killHard(first.child);
    expect(runs(work)).toEqual(['one', 'two']);

    rmSync(path.join(work, 'hold-two'));
    const second = await startRunner(storeDir);
    children.push(second.child);
    const status = await waitFor('completion after restart', async () => {
      const res = await fetch(`${second.baseUrl}/runtime/webhooks/durabletask/instances/crash-1`);
      const body = (await res.json()) as { runtimeStatus: string; output: unknown };
      return body.runtimeStatus === 'Completed' || body.runtimeStatus === 'Failed' ? body : undefined;
    });
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: ['one', 'two', 'three'] });
    const counts = runs(work).reduce<Record<string, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
    expect(counts.one).toBe(1);
    expect(counts.two).toBeGreaterThanOrEqual(2);
    expect(counts.three).toBe(1);
    await killHard(second.child);
  });
});
