/** The plain data the stamp flow's orchestrators, activities and entities pass to each other. */
import type { ClassifiedError } from '../../shared/azure/errors';
import type { StampSignal } from '../../shared/stamps/decide';
import type { FrontDoorKind, StampPolicy } from '../../shared/stamps/config';
import type { EnabledState, StampStatus } from '../../shared/stamps/model';
import type { ObservedOrigin } from '../../shared/stamps/ports';
import type { TriggerInfo } from '../../shared/store/records';
import type { QueuedRequest, QueueReply } from '../common/writer-queue';
import type { Timing } from '../common/types';

/** One origin group as configured now (read by an activity each round, so a configuration change is picked up). */
export interface GroupPlan {
  groupKey: string;
  kind: FrontDoorKind;
  frontDoor: string;
  profileId: string;
  group: string;
  policy: StampPolicy;
  mode: 'enforce' | 'observe';
  stamps: Array<{ name: string; healthUrl: string; origin: string }>;
}

export interface MonitorInput {
  groupKey: string;
  statuses: StampStatus[];
  /** When the next probe round is due (absent: at once). */
  nextProbeAt?: string;
  /** Rounds run so far (for the status). */
  rounds: number;
  timing: Timing;
}

/** A signal for one stamp, as the inbox keeps it. */
export interface InboxSignal {
  stamp: string;
  signal: StampSignal;
  trigger: TriggerInfo;
  receivedAt: string;
}

export interface OriginWrite {
  stamp: string;
  origin: string;
  enabledState: EnabledState;
  /** Why, and the signals behind it, for the audit. */
  why: string;
  signals: string[];
}

export interface FrontDoorWriteRequest extends QueuedRequest {
  groupKey: string;
  kind: FrontDoorKind;
  profileId: string;
  group: string;
  writes: OriginWrite[];
  /** The round's trigger (see roundTrigger in monitor.ts): the write runs in the round's trace. */
  trigger?: TriggerInfo;
}

export interface WriteOutcome {
  stamp: string;
  enabledState: EnabledState;
  ok: boolean;
  /** When Azure accepted the write (the long-running operation succeeded); Front Door then takes minutes to propagate it. */
  acceptedAt?: string;
  /** What a read-back showed. */
  observed?: ObservedOrigin;
  error?: { code: string; message: string };
}

export interface FrontDoorWriteReply extends QueueReply {
  outcomes: WriteOutcome[];
}

export interface RoundRecord {
  plan: GroupPlan;
  statuses: StampStatus[];
  observed: ObservedOrigin[] | null;
  readError?: ClassifiedError;
  decisions: Array<{ stamp: string; action: string; enabledState: EnabledState; why: string; signals: string[] }>;
  writes: WriteOutcome[];
  applied: Array<{ stamp: string; kind: string; outcome: string; trigger: TriggerInfo }>;
  failOpen: boolean;
  at: string;
  instanceId: string;
  /** The round's trigger: its record joins the round's trace. */
  trigger?: TriggerInfo;
}
