/** The plain data the DNS flow's orchestrators and activities pass to each other. */
import type { PrivateDnsConfig } from '../../shared/config';
import type { ObservedEndpoint, ObservedZoneGroup } from '../../shared/dns/model';
import type { DesiredName, NameVerdict } from '../../shared/dns/spec';
import type { TriggerInfo } from '../../shared/store/records';
import type { Timing } from '../common/types';

export interface EndpointInput {
  endpointId: string;
  trigger: TriggerInfo;
  timing: Timing;
  /** The endpoint as a subscription-wide list returned it (sweeps), used instead of a GET on the first pass. */
  snapshot?: ObservedEndpoint;
}

/** One name of the endpoint, with the facts read for it and the verdict on who holds it. */
export interface JudgedName extends DesiredName {
  verdict: NameVerdict;
  /** The claim's version when read (null: no claim), for the compare-and-set that takes it. */
  claimVersion: string | null;
  /** The A record's IPs now (null: no record). */
  recordIps: string[] | null;
}

export type EndpointObservation =
  | { kind: 'absent' }
  | { kind: 'disabled'; reason: string }
  | { kind: 'blocked'; reason: 'Unsupported' | 'TooManyZones' | 'EndpointFailed'; message: string; endpoint: ObservedEndpoint }
  | { kind: 'notReady'; message: string }
  | {
      kind: 'ready';
      endpoint: ObservedEndpoint;
      zones: Array<{ name: string; id: string; exists: boolean }>;
      names: JudgedName[];
      /** Names the endpoint publishes that fall in none of its zones (Azure writes no record for them). */
      unplaced: string[];
      groups: ObservedZoneGroup[];
      firstSeen: string;
      config: PrivateDnsConfig;
      mode: 'enforce' | 'observe';
    };

/** What the endpoint had when last recorded: enough to clean up after it once it is gone. */
export interface RecordedName {
  fqdn: string;
  zoneId: string;
  recordName: string;
  ipAddresses: string[];
}
