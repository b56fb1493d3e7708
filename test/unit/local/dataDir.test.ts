// The data folder's lock (instance.json): one instance per LOCAL_DATA_DIR, a crashed holder never leaves it stuck.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireDataDir, DataDirInUseError, LOCK_FILE, processAlive, wipeDataDir } from '../../../local/dataDir';

/** The PID of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(child.stdout);
  if (!Number.isInteger(pid) || processAlive(pid)) throw new Error('could not get the PID of an exited process');
  return pid;
}

describe('the data folder lock', () => {
  let dir: string;
  beforeEach(() => {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'data-dir-')), 'data');
  });
  afterEach(() => {
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  const lockOf = (): unknown => JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'));

  it('creates the folder and instance.json with pid, startedAt and baseUrl (null until the host listens), removed on release', () => {
    const lock = acquireDataDir(dir, () => new Date('2026-01-02T03:04:05.000Z'));
    expect(lockOf()).toEqual({ pid: process.pid, startedAt: '2026-01-02T03:04:05.000Z', baseUrl: null });
    lock.setBaseUrl('http://127.0.0.1:7071');
    expect(lockOf()).toEqual({ pid: process.pid, startedAt: '2026-01-02T03:04:05.000Z', baseUrl: 'http://127.0.0.1:7071' });
    expect(fs.readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses a second instance while the holder is alive, naming the folder and the PID, and leaves its lock alone', () => {
    const lock = acquireDataDir(dir, () => new Date('2026-01-02T03:04:05.000Z'));
    lock.setBaseUrl('http://127.0.0.1:7071');
    const before = fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8');
    expect(() => acquireDataDir(dir)).toThrow(DataDirInUseError);
    expect(() => acquireDataDir(path.join(dir, '.'))).toThrow(
      `LOCAL_DATA_DIR ${dir} is in use by process ${process.pid} (started 2026-01-02T03:04:05.000Z); stop it or set LOCAL_DATA_DIR to another folder.`,
    );
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe(before);
    lock.release();
    acquireDataDir(dir).release();
  });

  it('takes over a lock whose process is gone (a crash), and one that cannot be read', () => {
    fs.mkdirSync(dir, { recursive: true });
    const pid = deadPid();
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid, startedAt: '2026-01-01T00:00:00.000Z', baseUrl: 'http://127.0.0.1:1' }));
    const lock = acquireDataDir(dir);
    expect(lockOf()).toMatchObject({ pid: process.pid, baseUrl: null });
    lock.release();
    fs.writeFileSync(path.join(dir, LOCK_FILE), 'not json');
    acquireDataDir(dir).release();
  });

  it('release leaves a lock that is no longer ours (taken over after we were presumed dead) alone', () => {
    const lock = acquireDataDir(dir);
    const other = { pid: deadPid(), startedAt: '2026-01-01T00:00:00.000Z', baseUrl: null };
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify(other));
    lock.setBaseUrl('http://127.0.0.1:7071');
    lock.release();
    expect(lockOf()).toEqual(other);
  });

  it('a fresh start wipes everything in the folder but the lock', () => {
    const lock = acquireDataDir(dir);
    for (const sub of ['durable', 'azurite', 'arm']) {
      fs.mkdirSync(path.join(dir, sub));
      fs.writeFileSync(path.join(dir, sub, 'x'), 'data');
    }
    fs.writeFileSync(path.join(dir, 'stray.txt'), 'x');
    expect(wipeDataDir(lock).sort()).toEqual(['arm', 'azurite', 'durable', 'stray.txt']);
    expect(fs.readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();
  });
});

describe('processAlive', () => {
  it('knows this process is alive and a finished one is not', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(deadPid())).toBe(false);
  });

  it('never takes 0 or a negative number (process groups) or a non-integer for a process', () => {
    for (const pid of [0, -1, -process.pid, 1.5, Number.NaN]) expect(processAlive(pid)).toBe(false);
  });
});
