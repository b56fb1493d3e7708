/**
 * Making a request, whoever asks (the HTTP API or a spoke's tag): its record (PendingApproval, written only if absent:
 * a retried call finds it), an audit entry, and its orchestration (instance ID = request ID).
 */
import * as df from 'durable-functions';
import type { ControlPlaneConfig } from '../../shared/config';
import type { RecordStore, TriggerInfo } from '../../shared/store/records';
import { runtimeStatus } from '../common/start';
import { EGRESS_CONDITION } from './activities';
import { EGRESS_REQUEST_ORCHESTRATOR } from './names';
import type { EgressDetails, EgressInput, EgressRequestSpec } from './types';

/** True when this call created the request; false when it existed already (nothing started twice). */
export async function submitRequest(store: RecordStore, client: df.DurableClient, config: ControlPlaneConfig, spec: EgressRequestSpec, trigger: TriggerInfo): Promise<boolean> {
  const egress = config.egress;
  if (!egress) throw new Error('egress is not configured');
  const details: EgressDetails = {
    request: spec,
    status: 'PendingApproval',
    decisions: [],
    history: [{ at: spec.requestedAt, status: 'PendingApproval', message: `requested by ${spec.requestedByName ?? spec.requestedBy}${spec.source === 'tag' ? ' (spoke tag)' : ''}` }],
  };
  const created = await store.putRecordIf(
    {
      kind: 'egressRequest',
      resourceId: spec.id,
      condition: { type: EGRESS_CONDITION, status: 'Unknown', reason: 'PendingApproval', message: 'requested', lastTransitionTime: spec.requestedAt },
      details: details as unknown as Record<string, unknown>,
      lastTrigger: trigger,
      updatedAt: spec.requestedAt,
    },
    null,
  );
  if (created) {
    await store.appendAudit([
      { at: spec.requestedAt, resourceId: spec.id, kind: 'egressRequest', action: 'request', outcome: 'succeeded', reason: `requested by ${spec.requestedBy}`, after: { spokeVnetId: spec.spokeVnetId, fingerprint: spec.fingerprint, source: spec.source ?? 'http' }, trigger, mode: config.mode },
    ]);
  }
  // Started unless it exists (a retry after the record was written but before the start).
  if ((await runtimeStatus(client, spec.id)) === undefined) {
    const input: EgressInput = { requestId: spec.id, approval: egress.approval, replyTimeoutMs: 30 * 60_000, trigger };
    try {
      await client.startNew(EGRESS_REQUEST_ORCHESTRATOR, { instanceId: spec.id, input });
    } catch (e) {
      if ((await runtimeStatus(client, spec.id)) === undefined) throw e;
    }
  }
  return created;
}
