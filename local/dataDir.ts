/**
 * The data folder (`LOCAL_DATA_DIR`) belongs to one running instance at a time. The lock is `instance.json` in it:
 *
 *   { "pid": 1234, "startedAt": "2026-01-01T10:00:00.000Z", "baseUrl": "http://127.0.0.1:7071" | null }
 *
 * created exclusively before anything else opens the folder (written to a temp file, then linked into place: link(2)
 * fails when the name exists, as open(O_EXCL) does, and the file is never seen half-written). A second instance is
 * refused while the holder's PID is alive; a lock whose PID is gone (a crash, kill -9) is taken over. `baseUrl` is
 * filled in once the host listens (the local CLI reads it to find the running environment); the file is removed on
 * a clean stop. Unverified: a PID reused by an unrelated process after a crash reads as alive (the message says how
 * to proceed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './files';

export const LOCK_FILE = 'instance.json';

export interface InstanceLockInfo {
  pid: number;
  startedAt: string;
  baseUrl: string | null;
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: InstanceLockInfo,
  ) {
    super(`LOCAL_DATA_DIR ${dir} is in use by process ${holder.pid} (started ${holder.startedAt}); stop it or set LOCAL_DATA_DIR to another folder.`);
    this.name = 'DataDirInUseError';
  }
}

export interface InstanceLock {
  readonly dir: string;
  readonly file: string;
  /** Records the host's URL in the lock (atomically: temp file + rename). */
  setBaseUrl(baseUrl: string): void;
  /** Removes the lock if it is still ours. */
  release(): void;
}

/** The data folder when LOCAL_DATA_DIR is unset, under the project root (npm start and the local CLI alike). */
export const DEFAULT_DATA_DIR = '.local-data';

/**
 * True when a process with this PID exists: signal 0 checks without sending anything (EPERM: it exists but belongs to
 * someone else). 0 and negative numbers name process groups, not a process: false.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): InstanceLockInfo | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<InstanceLockInfo>;
    if (typeof parsed.pid === 'number' && Number.isInteger(parsed.pid) && parsed.pid > 0) {
      return { pid: parsed.pid, startedAt: String(parsed.startedAt), baseUrl: typeof parsed.baseUrl === 'string' ? parsed.baseUrl : null };
    }
    return undefined;
  } catch {
    return undefined;
  }
}

const lockText = (info: InstanceLockInfo): string => `${JSON.stringify(info, null, 2)}\n`;

/** Creates the lock whole, or fails with EEXIST when it exists: a temp file linked into place (link(2) never replaces). */
function createLock(file: string, info: InstanceLockInfo): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, lockText(info));
  try {
    fs.linkSync(temp, file);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/**
 * Takes the data folder for this process (creating the folder), or throws DataDirInUseError naming the holder.
 * A lock left by a dead process, or one that cannot be read, is taken over.
 */
export function acquireDataDir(dir: string, now: () => Date = () => new Date()): InstanceLock {
  const absolute = path.resolve(dir);
  const file = path.join(absolute, LOCK_FILE);
  fs.mkdirSync(absolute, { recursive: true });
  const info: InstanceLockInfo = { pid: process.pid, startedAt: now().toISOString(), baseUrl: null };
  for (let attempt = 0; ; attempt++) {
    try {
      createLock(file, info);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
    }
    const holder = readLock(file);
    if (holder && processAlive(holder.pid)) throw new DataDirInUseError(absolute, holder);
    // The holder is gone: remove its lock and try again (another starter may win the race; the next turn sees it).
    fs.rmSync(file, { force: true });
  }
  const ours = (): boolean => readLock(file)?.pid === process.pid;
  return {
    dir: absolute,
    file,
    setBaseUrl(baseUrl) {
      if (ours()) writeFileAtomic(file, lockText({ ...info, baseUrl }));
    },
    release() {
      if (ours()) fs.rmSync(file, { force: true });
    },
  };
}

/** Empties the data folder except the lock: Durable journal, Azurite data, emulator state and anything else. */
export function wipeDataDir(lock: InstanceLock): string[] {
  const removed: string[] = [];
  for (const entry of fs.readdirSync(lock.dir)) {
    if (entry === LOCK_FILE) continue;
    fs.rmSync(path.join(lock.dir, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}
