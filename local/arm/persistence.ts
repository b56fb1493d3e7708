/**
 * The emulator's state on disk (`LOCAL_STORAGE=disk`): the whole {@link ArmState} written to one JSON file, so that a
 * restart resumes the same Azure. The serializer knows nothing about resource types: it writes every field of the
 * state object, turning each Map and Set (at any depth) into a tagged array, so record types added later persist
 * without a change here.
 *
 * Writes are atomic (a temp file renamed over the old one) and coalesced: a change schedules one write at most
 * {@link DEFAULT_SAVE_DELAY_MS} later, and stopping the emulator writes at once. A process killed (kill -9) between a
 * change and that write loses the change; see README "Local environment".
 *
 * Operations in flight: a clean stop finishes them first (OperationTracker.settleAll, the same code that finishes
 * them on time), so a file written at stop never holds one. A file written before a crash can: on load, a resource
 * left Creating/Updating is Succeeded (the write was accepted and Azure would have finished it) and one left Deleting
 * is back to Succeeded (the delete is not applied: its side effects live in code that did not run; the caller, whose
 * poll is gone with the crash, deletes it again). See {@link settleInFlight}.
 */
import * as fs from 'node:fs';
import { writeFileAtomic } from '../files';
import type { ArmState } from './state';

export const STATE_FILE_VERSION = 1;
export const DEFAULT_SAVE_DELAY_MS = 200;

const MAP_TAG = '$$map';
const SET_TAG = '$$set';

export class ArmStateFileError extends Error {
  constructor(file: string, reason: string) {
    super(`ARM emulator state ${file} ${reason}; fix or remove the file, or start from scratch with --fresh (LOCAL_FRESH=true).`);
    this.name = 'ArmStateFileError';
  }
}

/**
 * JSON of a value whose objects may hold Maps and Sets. The state must be a tree: an object reachable twice would
 * come back as two copies, so that is refused rather than silently split.
 */
export function serializeState(value: object): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, function replacer(this: unknown, key: string, v: unknown): unknown {
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) throw new Error(`ARM emulator state: the object at "${key}" is referenced twice; state must be a tree of records.`);
    seen.add(v);
    if (v instanceof Map) return { [MAP_TAG]: [...v.entries()] };
    if (v instanceof Set) return { [SET_TAG]: [...v.values()] };
    return v;
  });
}

/** The inverse of {@link serializeState}. */
export function deserializeState(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === MAP_TAG) return new Map((v as Record<string, [unknown, unknown][]>)[MAP_TAG]);
    if (keys.length === 1 && keys[0] === SET_TAG) return new Set((v as Record<string, unknown[]>)[SET_TAG]);
    return v;
  });
}

/** Copies a deserialized state into `target`: its Maps and Sets are refilled in place (they are readonly fields). */
export function restoreInto(target: ArmState, loaded: unknown, file: string): void {
  if (!loaded || typeof loaded !== 'object' || Array.isArray(loaded)) throw new ArmStateFileError(file, 'does not hold a state object');
  const fields = target as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(loaded)) {
    const current = fields[name];
    if (current instanceof Map) {
      if (!(value instanceof Map)) throw new ArmStateFileError(file, `has "${name}" that is not a map`);
      current.clear();
      for (const [k, v] of value) current.set(k, v);
    } else if (current instanceof Set) {
      if (!(value instanceof Set)) throw new ArmStateFileError(file, `has "${name}" that is not a set`);
      current.clear();
      for (const v of value) current.add(v);
    } else if (current === undefined || typeof current !== 'function') {
      fields[name] = value;
    }
  }
}

const IN_FLIGHT = new Set(['Creating', 'Updating', 'Deleting']);

/**
 * Ends every provisioning state a crash left in flight, at any depth (top-level resources, subnets, zone groups,
 * links...): Creating/Updating become Succeeded, Deleting goes back to Succeeded. Returns how many were changed.
 */
export function settleInFlight(value: unknown, seen = new Set<unknown>()): number {
  if (value === null || typeof value !== 'object' || seen.has(value)) return 0;
  seen.add(value);
  let changed = 0;
  const children = value instanceof Map || value instanceof Set ? [...value.values()] : Object.values(value);
  if (!(value instanceof Map) && !(value instanceof Set) && !Array.isArray(value)) {
    const record = value as { provisioningState?: unknown };
    if (typeof record.provisioningState === 'string' && IN_FLIGHT.has(record.provisioningState)) {
      record.provisioningState = 'Succeeded';
      changed++;
    }
  }
  for (const child of children) changed += settleInFlight(child, seen);
  return changed;
}

/** Writes the state atomically: a temp file beside it, renamed over it. */
export function writeStateFile(file: string, state: ArmState): void {
  writeFileAtomic(file, `{"version":${STATE_FILE_VERSION},"savedAt":${JSON.stringify(new Date().toISOString())},"state":${serializeState(state)}}\n`);
}

/**
 * Loads a state file into `target`; false when there is none. A file that cannot be read as this version's state is
 * an error naming the file: it is never replaced by a fresh world silently.
 */
export function readStateFile(file: string, target: ArmState): { loaded: boolean; settled: number } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { loaded: false, settled: 0 };
    throw new ArmStateFileError(file, `cannot be read (${(error as Error).message})`);
  }
  let document: unknown;
  try {
    document = deserializeState(text);
  } catch (error) {
    throw new ArmStateFileError(file, `is not valid JSON (${(error as Error).message})`);
  }
  const { version, state } = (document ?? {}) as { version?: unknown; state?: unknown };
  if (version !== STATE_FILE_VERSION) throw new ArmStateFileError(file, `has version ${JSON.stringify(version)}, this emulator reads version ${STATE_FILE_VERSION}`);
  restoreInto(target, state, file);
  return { loaded: true, settled: settleInFlight(target) };
}

/** Coalesces changes into at most one write per `delayMs`; `flush` writes a pending change at once. */
export class StatePersister {
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly state: ArmState,
    private readonly onError: (error: unknown) => void,
    private readonly delayMs = DEFAULT_SAVE_DELAY_MS,
  ) {}

  /** Something changed: write within `delayMs`. */
  touch(): void {
    if (this.closed) return;
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.delayMs);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    try {
      writeStateFile(this.file, this.state);
    } catch (error) {
      this.dirty = true;
      this.onError(error);
    }
  }

  /** Writes what is pending and ignores later changes (the emulator stopped). */
  close(): void {
    this.flush();
    this.closed = true;
  }
}
