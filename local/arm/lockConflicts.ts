/**
 * What NRP answers a write whose *remote* side (the other VNet of a peering) is held by an operation in progress.
 * Azure does not answer this one way: the same race gives 409 `AnotherOperationInProgress`, 429 `RetryableError`
 * (detail `RetryableErrorDueToAnotherOperation`, with Retry-After) or 400 `ReferencedResourceNotProvisioned` ("... is
 * not in Succeeded state. Resource is in Updating state and the last operation that updated/is updating the resource
 * is PutSubnetOperation."), as seen in the wild (terraform-provider-azurerm#3392 and #21293,
 * cluster-api-provider-azure#4385). A write whose own VNet is held always gets the 409.
 *
 * The choice is deterministic: a seeded generator (same seed, same order of conflicts -> same answers) over weights,
 * or one answer forced (the fault switch tests use). The weights are an assumption; Azure publishes no frequencies.
 */
import { ArmError } from './errors';
import type { OperationRecord } from './operations';

export type RemoteLockAnswer = 'AnotherOperationInProgress' | 'RetryableErrorDueToAnotherOperation' | 'ReferencedResourceNotProvisioned';

export const REMOTE_LOCK_ANSWERS: readonly RemoteLockAnswer[] = ['AnotherOperationInProgress', 'RetryableErrorDueToAnotherOperation', 'ReferencedResourceNotProvisioned'];

export const DEFAULT_REMOTE_LOCK_WEIGHTS: Readonly<Record<RemoteLockAnswer, number>> = {
  AnotherOperationInProgress: 0.5,
  RetryableErrorDueToAnotherOperation: 0.3,
  ReferencedResourceNotProvisioned: 0.2,
};

export const DEFAULT_REMOTE_LOCK_SEED = 0x5eed;

export interface RemoteLockOptions {
  /** Seed of the choice; default {@link DEFAULT_REMOTE_LOCK_SEED}. */
  seed?: number;
  /** Relative weights (missing ones count 0 when any is given); default {@link DEFAULT_REMOTE_LOCK_WEIGHTS}. */
  weights?: Partial<Record<RemoteLockAnswer, number>>;
  /** Always this answer (a fault switch); `undefined` returns to the seeded choice. */
  force?: RemoteLockAnswer;
}

/** mulberry32: a small, fast, seedable generator (uniform in [0, 1)). Also the fault injection's (faults.ts). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class RemoteLockChooser {
  private random: () => number = seeded(DEFAULT_REMOTE_LOCK_SEED);
  private weights: Record<RemoteLockAnswer, number> = { ...DEFAULT_REMOTE_LOCK_WEIGHTS };
  private forced: RemoteLockAnswer | undefined;
  /** How often each answer was given (diagnostics, benches). */
  readonly counts: Record<RemoteLockAnswer, number> = { AnotherOperationInProgress: 0, RetryableErrorDueToAnotherOperation: 0, ReferencedResourceNotProvisioned: 0 };

  constructor(options: RemoteLockOptions = {}) {
    this.configure(options);
  }

  /** Changes the seed, the weights or the forced answer; fields not given keep their value (force: pass the key). */
  configure(options: RemoteLockOptions): void {
    if (options.seed !== undefined) {
      if (!Number.isInteger(options.seed)) throw new Error(`remote lock answers: seed must be an integer (got ${options.seed}).`);
      this.random = seeded(options.seed);
    }
    if (options.weights !== undefined) {
      const weights = { AnotherOperationInProgress: 0, RetryableErrorDueToAnotherOperation: 0, ReferencedResourceNotProvisioned: 0, ...options.weights };
      const values = Object.entries(weights);
      const unknown = values.find(([k]) => !REMOTE_LOCK_ANSWERS.includes(k as RemoteLockAnswer));
      if (unknown) throw new Error(`remote lock answers: unknown answer "${unknown[0]}"; use ${REMOTE_LOCK_ANSWERS.join(', ')}.`);
      if (values.some(([, w]) => !(w >= 0) || !Number.isFinite(w)) || values.every(([, w]) => w === 0)) {
        throw new Error('remote lock answers: weights must be finite, not negative, and not all 0.');
      }
      this.weights = weights;
    }
    if ('force' in options) {
      if (options.force !== undefined && !REMOTE_LOCK_ANSWERS.includes(options.force)) {
        throw new Error(`remote lock answers: unknown answer "${String(options.force)}"; use ${REMOTE_LOCK_ANSWERS.join(', ')}.`);
      }
      this.forced = options.force;
    }
  }

  next(): RemoteLockAnswer {
    let answer = this.forced;
    if (!answer) {
      const total = REMOTE_LOCK_ANSWERS.reduce((sum, a) => sum + this.weights[a], 0);
      let roll = this.random() * total;
      answer = REMOTE_LOCK_ANSWERS.find((a) => (roll -= this.weights[a]) < 0) ?? 'AnotherOperationInProgress';
    }
    this.counts[answer] += 1;
    return answer;
  }
}

/** "PutVirtualNetworkPeeringOperation": how NRP names an operation in its messages. */
export function operationName(method: string, resourceType: string): string {
  const last = resourceType.split('/').pop() ?? 'Resource';
  const singular = last.endsWith('s') ? last.slice(0, -1) : last;
  return `${method === 'DELETE' ? 'Delete' : 'Put'}${singular.charAt(0).toUpperCase()}${singular.slice(1)}Operation`;
}

/** The error for a write referencing `remoteId`, whose VNet `holder` is updating (`remoteState`: its provisioningState). */
export function remoteLockError(
  answer: RemoteLockAnswer,
  input: { holder: OperationRecord; remoteId: string; referencingId: string; remoteState: string; retryAfter: Record<string, string> },
): ArmError {
  const { holder, remoteId, referencingId } = input;
  const holderName = holder.name ?? 'PutVirtualNetworkOperation';
  switch (answer) {
    case 'AnotherOperationInProgress':
      return new ArmError(
        409,
        'AnotherOperationInProgress',
        `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${holder.statusUrl}.`,
      );
    case 'RetryableErrorDueToAnotherOperation':
      return new ArmError(429, 'RetryableError', 'A retryable error occurred.', input.retryAfter, [
        {
          code: 'RetryableErrorDueToAnotherOperation',
          message: `Operation ${holderName} (${holder.id}) is updating resource ${remoteId}. The call can be retried in ${input.retryAfter['Retry-After'] ?? '0'} seconds.`,
        },
      ]);
    case 'ReferencedResourceNotProvisioned':
      return new ArmError(
        400,
        'ReferencedResourceNotProvisioned',
        `Cannot proceed with operation because resource ${remoteId} used by resource ${referencingId} is not in Succeeded state. ` +
          `Resource is in ${input.remoteState === 'Succeeded' ? 'Updating' : input.remoteState} state and the last operation that updated/is updating the resource is ${holderName}.`,
      );
  }
}
