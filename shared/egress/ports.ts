/**
 * What the egress flow needs from ARM, shaped for the domain. The SDK adapter sits in
 * shared/azure/firewall-adapter.ts; tests drive it against the ARM emulator.
 */
import type { GroupContent } from './spec';

export interface FirewallPort {
  /** The rule collection groups of a policy whose names `isOwn` accepts (the control plane's own groups). */
  listGroups(policyId: string, isOwn: (name: string) => boolean): Promise<GroupContent[]>;
  /** Replaces a group whole (PUT) and waits for the long-running operation. */
  putGroup(policyId: string, group: GroupContent): Promise<void>;
  /** Deletes a group (absent is fine) and waits for the long-running operation. */
  deleteGroup(policyId: string, name: string): Promise<void>;
  /** The FQDN tags Azure Firewall offers in the policy's subscription. */
  listFqdnTags(subscriptionId: string): Promise<string[]>;
}
