/**
 * What the stamp flow needs from Front Door, shaped for the domain: read the `enabledState` of an origin group's
 * origins (classic: a backend pool's backends), and set one origin's. The adapter over @azure/arm-cdn
 * (Standard/Premium) and @azure/arm-frontdoor (classic) sits in shared/azure/frontdoor-adapter.ts.
 */
import type { FrontDoorKind } from './config';
import type { EnabledState } from './model';

/** One origin group of a profile (classic: one backend pool of a Front Door). */
export interface OriginGroupAddress {
  kind: FrontDoorKind;
  /** The profile's ARM ID (`Microsoft.Cdn/profiles/{p}` or `Microsoft.Network/frontDoors/{f}`). */
  profileId: string;
  /** Origin group name (classic: backend pool name). */
  group: string;
}

/** One origin: its name (Standard/Premium) or its backend address (classic). */
export interface OriginAddress extends OriginGroupAddress {
  origin: string;
}

export interface ObservedOrigin {
  /** The origin's ARM ID as Azure spells it; classic: the Front Door's ID (backends have none of their own). */
  originId: string;
  /** The origin's name (classic: its backend address). */
  origin: string;
  enabledState: EnabledState;
  provisioningState?: string;
}

export interface FrontDoorPort {
  /** Every origin of the group (classic: backends of the pool); an empty list when the group does not exist. */
  readGroup(group: OriginGroupAddress): Promise<ObservedOrigin[]>;
  /**
   * Sets one origin's `enabledState` and waits for the write to be accepted (Standard/Premium: a PATCH of that field
   * alone, long-running; classic: GET the Front Door, change the backend, PUT it whole), then reads it back.
   */
  setEnabledState(origin: OriginAddress, state: EnabledState): Promise<ObservedOrigin>;
}

/** Thrown when the origin a stamp names is not in its group (classic: no backend with that address). */
export class OriginNotFoundError extends Error {
  constructor(origin: OriginAddress) {
    super(`${origin.kind === 'classic' ? `backend ${origin.origin} of pool` : `origin ${origin.origin} of origin group`} ${origin.group} in ${origin.profileId} does not exist`);
    this.name = 'OriginNotFoundError';
  }
}
