/**
 * Long-running operations and the per-VNet operation lock.
 *
 * An operation is accepted at once (the handler answers 201/200/202 with Azure-AsyncOperation / Location and
 * Retry-After) and completes after its configured duration on the emulator's clock. While it runs it holds locks on
 * the VNets it touches; any other write touching one of them gets 409 AnotherOperationInProgress naming the holder's
 * status URL, as the network resource provider answers.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../contract';
import { ArmError } from './errors';

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed';

/** Which status resource the operation is reported at. */
export type OperationFlavor = 'network' | 'privateDns' | 'resourceGroup' | 'cdn';

export interface OperationRecord {
  id: string;
  flavor: OperationFlavor;
  subscriptionId: string;
  region: string;
  resourceGroup: string;
  method: 'PUT' | 'PATCH' | 'DELETE';
  status: OperationStatus;
  error?: { code: string; message: string };
  startTime: string;
  endTime?: string;
  /** The Azure-AsyncOperation URL given to the client that started it. */
  statusUrl: string;
  /** For operations whose Location answer carries the resource (Private DNS PUT): the body once succeeded. */
  result?: () => unknown;
  lockKeys: string[];
  /** How NRP names it in messages, e.g. `PutVirtualNetworkPeeringOperation`. */
  name?: string;
}

export interface StartOperation {
  flavor: OperationFlavor;
  subscriptionId: string;
  region: string;
  resourceGroup: string;
  method: 'PUT' | 'PATCH' | 'DELETE';
  /** Real milliseconds until completion (already time-scaled). */
  durationMs: number;
  lockKeys: string[];
  /** Builds the status URL from the operation id. */
  statusUrl: (operationId: string) => string;
  /** Ends the operation Failed with this error instead of running `complete` (fault injection). */
  injectedFailure?: { code: string; message: string };
  /** Applies the operation's effects; throwing an ArmError ends it Failed with that error. */
  complete: () => void;
  /** Runs when the operation ends Failed (e.g. sets provisioningState Failed). */
  fail: (error: { code: string; message: string }) => void;
  /** Runs after either outcome, once locks are released (notifications). */
  settled: (op: OperationRecord) => void;
  result?: () => unknown;
  name?: string;
}

export class OperationTracker {
  private readonly operations = new Map<string, OperationRecord>();
  private readonly locks = new Map<string, OperationRecord>();
  /** Scheduled completions: cancel the timer, or finish now. */
  private readonly pending = new Map<string, { cancel: () => void; finish: () => void }>();

  constructor(
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
  ) {}

  get(id: string): OperationRecord | undefined {
    return this.operations.get(id.toLowerCase());
  }

  /** The running operation holding `lockKey`, if any. */
  holder(lockKey: string): OperationRecord | undefined {
    return this.locks.get(lockKey);
  }

  /** Throws 409 AnotherOperationInProgress when any of `lockKeys` is held. */
  assertUnlocked(lockKeys: readonly string[]): void {
    for (const key of lockKeys) {
      const holder = this.locks.get(key);
      if (holder) {
        throw new ArmError(
          409,
          'AnotherOperationInProgress',
          `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${holder.statusUrl}.`,
        );
      }
    }
  }

  start(input: StartOperation): OperationRecord {
    this.assertUnlocked(input.lockKeys);
    const id = randomUUID();
    const op: OperationRecord = {
      id,
      flavor: input.flavor,
      subscriptionId: input.subscriptionId,
      region: input.region,
      resourceGroup: input.resourceGroup,
      method: input.method,
      status: 'InProgress',
      startTime: new Date(this.clock.now()).toISOString(),
      statusUrl: input.statusUrl(id),
      result: input.result,
      lockKeys: [...input.lockKeys],
      ...(input.name ? { name: input.name } : {}),
    };
    this.operations.set(id.toLowerCase(), op);
    for (const key of op.lockKeys) this.locks.set(key, op);
    const finish = (): void => {
      this.pending.delete(id);
      this.finish(op, input);
    };
    const cancel = this.clock.schedule(this.clock.now() + input.durationMs, finish);
    this.pending.set(id, { cancel, finish });
    return op;
  }

  /** Operations not finished yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Finishes every running operation now, oldest first, through the same code as on time (effects, failure, locks,
   * notifications): what Azure would have done while nobody watched. Used before the state is saved at stop.
   */
  settleAll(): void {
    for (const { cancel, finish } of [...this.pending.values()]) {
      cancel();
      finish();
    }
  }

  /** Cancels every scheduled completion (emulator stop). */
  stop(): void {
    for (const { cancel } of this.pending.values()) cancel();
    this.pending.clear();
  }

  private finish(op: OperationRecord, input: StartOperation): void {
    let error = input.injectedFailure;
    if (!error) {
      try {
        input.complete();
      } catch (thrown) {
        if (!(thrown instanceof ArmError)) this.onError(thrown);
        error =
          thrown instanceof ArmError
            ? { code: thrown.code, message: thrown.message }
            : { code: 'InternalServerError', message: 'An error occurred.' };
      }
    }
    for (const key of op.lockKeys) if (this.locks.get(key) === op) this.locks.delete(key);
    op.endTime = new Date(this.clock.now()).toISOString();
    if (error) {
      op.status = 'Failed';
      op.error = error;
      try {
        input.fail(error);
      } catch (thrown) {
        this.onError(thrown);
      }
    } else {
      op.status = 'Succeeded';
    }
    try {
      input.settled(op);
    } catch (thrown) {
      this.onError(thrown);
    }
  }
}
