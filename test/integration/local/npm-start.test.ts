// `npm start` as a user runs it: the compiled entry (dist/local/main.js, built by the jest global setup) in a child
// process, in a folder of its own, on any free port, stopped with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const main = path.resolve(__dirname, '../../../dist/local/main.js');

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startControlPlane(cwd: string, env: Record<string, string>): Run {
  const child = spawn(process.execPath, [main], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(run: Run, pattern: RegExp, timeoutMs = 45_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(run.output());
    if (match) return match;
    if (run.child.exitCode !== null || Date.now() > deadline) throw new Error(`did not see ${pattern} in:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('npm start (dist/local/main.js)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-start-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts everything, answers /api/local/info, keeps its data in LOCAL_DATA_DIR and stops cleanly on SIGTERM', async () => {
    const dataDir = path.join(dir, 'data');
    const run = startControlPlane(dir, { PORT: '0', LOCAL_DATA_DIR: dataDir });
    try {
      const [, baseUrl] = await waitFor(run, /Control plane running on the embedded default at (http:\/\/127\.0\.0\.1:\d+)/);
      const info = (await (await fetch(`${baseUrl}/api/local/info`)).json()) as { arm: { endpoint: string }; durable: { store: string } };
      expect(info.arm.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(info.durable.store).toBe(path.join(dataDir, 'durable'));
      expect(fs.existsSync(path.join(dataDir, 'durable'))).toBe(true);
      run.child.kill('SIGTERM');
      await expect(run.exited).resolves.toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('refuses a bad setting with a message naming it', async () => {
    const run = startControlPlane(dir, { PORT: '0', LOCAL_STORAGE: 'floppy' });
    await expect(run.exited).resolves.toBe(1);
    expect(run.output()).toContain('Could not start the control plane: LOCAL_STORAGE is "floppy"; it must be disk or memory.');
  });
});
