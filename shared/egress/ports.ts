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

/** A destination as the platform team's API takes it (docs/platform-api.openapi.yaml, `Destination`). */
export type PlatformDestination = { fqdn: string; ports: Array<{ protocol: 'Http' | 'Https' | 'Mssql'; port: number }> } | { fqdnTag: string };

/** The body of `POST /v1/egress-requests` (`EgressRequest`): the request as submitted, before any decision. */
export interface PlatformEgressRequest {
  requestId: string;
  spokeVnetId: string;
  firewallPolicyId: string;
  sourceAddresses: string[];
  destinations: PlatformDestination[];
  justification: string;
  ttlDays: number;
  requestedBy: string;
}

/** The body of `POST /v1/egress-requests/{id}/apply` (`Decision`): who approved it, why, when. */
export interface PlatformDecision {
  approvedBy: string[];
  comment?: string;
  decidedAt: string;
}

/** What `start` asks: apply (with the decision) or revoke (of a never-applied request: its withdrawal). */
export type PlatformAction = { action: 'apply'; decision: PlatformDecision } | { action: 'revoke' };

export type PlatformOperationStatus = 'NotStarted' | 'Running' | 'Succeeded' | 'Failed';

export interface PlatformOperation {
  id: string;
  status: PlatformOperationStatus;
  /** Problem `title: detail` of a Failed operation. */
  error?: string;
  /** From Retry-After while it runs. */
  retryAfterMs?: number;
}

/**
 * The platform team's egress API (apply mode `platformApi`), shaped for the domain. Calls throw PlatformApiError
 * for answers other than the contract's success (classified once by classifyPlatformError).
 * The adapter is shared/egress/platform-api-adapter.ts; locally it talks to local/platform-api.
 */
export interface PlatformApiPort {
  /**
   * `POST /v1/egress-requests`, idempotent on `idempotencyKey` (default the request ID; a revision of a recorded
   * request, such as a new source after the spoke's address space changed, goes under `{requestId}.r{n}`).
   */
  createRequest(request: PlatformEgressRequest, idempotencyKey?: string): Promise<{ id: string; status: string }>;
  /**
   * `POST /v1/egress-requests/{id}/apply` (the decision as its body) or `/revoke` (removes an applied rule; withdraws
   * a never-applied request): the operation's URL (Operation-Location).
   */
  start(requestId: string, call: PlatformAction): Promise<{ operationUrl: string; retryAfterMs?: number }>;
  /** `GET` of an Operation-Location. */
  getOperation(operationUrl: string): Promise<PlatformOperation>;
}
