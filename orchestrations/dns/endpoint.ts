/**
 * The runbook of one private endpoint (one instance per endpoint, see names.ts):
 *   observe the endpoint, its zones, records, zone group and name claims -> blocked (unsupported target, too many
 *   zones, a missing zone we may not create, a foreign zone group we may not replace): record why, no write ->
 *   create missing zones when allowed -> claim the names it may hold -> write the zone group if it differs ->
 *   verify the A records point at the endpoint's IPs (from the write's answer, reading only records it does not show);
 *   at most `maxPasses` rounds.
 * A deleted endpoint has its leftover records removed and its names released. Every ending records the endpoint's
 * condition; a `reconcile` event raised meanwhile gets exactly one more execution.
 */
import * as df from 'durable-functions';
import type { ObservedEndpoint, ObservedZoneGroup } from '../../shared/dns/model';
import { namesNotShownIn, planZoneGroup, sameIps, zoneNameOf } from '../../shared/dns/spec';
import type { TriggerInfo } from '../../shared/store/records';
import { backoffMs, callArm, timerIn } from '../common/arm-retry';
import { armFailure, reconcilingOrchestrator, requestInChunks, type FlowOutcome, type NoRecord } from '../common/orchestration';
import type { ReconcileStart } from '../common/record';
import type { Timing } from '../common/types';
import type { RemovalResult, ZoneGroupWrite } from './activities';
import { DNS_ACTIVITY, ENDPOINT_ORCHESTRATOR, endpointRecordTarget } from './names';
import type { EndpointInput, EndpointObservation, JudgedName, RecordedName } from './types';

type Ctx = df.OrchestrationContext;
type Outcome = FlowOutcome;
type Ready = Extract<EndpointObservation, { kind: 'ready' }>;

const recorded = (n: JudgedName): RecordedName => ({ fqdn: n.fqdn, zoneId: n.zoneId, recordName: n.recordName, ipAddresses: n.ipAddresses });
const list = (items: string[]): string => items.join(', ');

function describeConnections(endpoint: ObservedEndpoint): Array<Record<string, unknown>> {
  return endpoint.connections.map((c) => ({ targetId: c.targetId, groupIds: c.groupIds, manual: c.manual, ...(c.status ? { status: c.status } : {}) }));
}

/** `zoneGroup`: the group's name when it was just written (the observation predates it). */
function endpointDetails(obs: Ready, zoneGroup = obs.groups[0]?.name): Record<string, unknown> {
  const conflicts = obs.names.filter((n) => n.verdict.kind === 'conflict');
  return {
    endpointId: obs.endpoint.id,
    location: obs.endpoint.location,
    connections: describeConnections(obs.endpoint),
    zones: obs.zones.map((z) => z.name),
    zoneGroup: zoneGroup ?? null,
    names: obs.names.filter((n) => n.verdict.kind === 'mine').map(recorded),
    // Where the names were read: the endpoint's NIC, its zone group's record sets, or customDnsConfigs.
    ...(obs.endpoint.namesFrom ? { namesFrom: obs.endpoint.namesFrom } : {}),
    ...(obs.unplaced.length ? { unplaced: obs.unplaced } : {}),
    conflicts: conflicts.map((n) => ({ fqdn: n.fqdn, ...(n.verdict.kind === 'conflict' ? { ownerId: n.verdict.ownerId ?? null, ownerIps: n.verdict.ownerIps, reason: n.verdict.reason } : {}) })),
    firstSeen: obs.firstSeen,
  };
}

/** The ending once nothing is left to write: Registered, or Conflict naming who holds what. */
function settled(obs: Ready, zoneGroup?: string): Outcome {
  const mine = obs.names.filter((n) => n.verdict.kind === 'mine');
  const conflicts = obs.names.filter((n) => n.verdict.kind === 'conflict');
  const registered = mine.length ? `${list(mine.map((n) => n.fqdn))} resolve${mine.length === 1 ? 's' : ''} to the endpoint` : 'no name registered';
  const details = endpointDetails(obs, zoneGroup);
  if (conflicts.length) {
    const why = conflicts.map((n) => (n.verdict.kind === 'conflict' ? n.verdict.reason : '')).join('; ');
    return {
      condition: { status: 'False', reason: 'Conflict', message: `${registered}; left alone: ${why}${obs.config.conflicts === 'report' ? ' (privateDns.conflicts is report)' : ''}` },
      details,
      audit: conflicts.map((n) => ({ action: 'conflict', target: `${n.zoneId}/A/${n.recordName}`, outcome: 'skipped' as const, reason: n.verdict.reason })),
    };
  }
  return { condition: { status: 'True', reason: 'Registered', message: `${registered} through ${list(obs.zones.map((z) => z.name))}` }, details, audit: [] };
}

function* removeEndpoint(context: Ctx, input: EndpointInput, trigger: TriggerInfo): Generator<df.Task, Outcome, unknown> {
  const removed = yield* callArm<RemovalResult>(context, DNS_ACTIVITY.removeEndpoint, { endpointId: input.endpointId, trigger }, input.timing);
  if (!removed.ok) return armFailure(removed.error, 'Cleaning up after the deleted endpoint');
  const r = removed.value;
  const calls = requestInChunks(context, DNS_ACTIVITY.requestReconcile, r.reconcile.map((endpointId) => ({ endpointId, trigger })));
  if (calls.length) yield context.df.Task.all(calls);
  const others = r.reconcile.length ? `; reconciling ${list(r.reconcile)}, which ${r.reconcile.length === 1 ? 'shares' : 'share'} its names` : '';
  if (r.mode === 'observe' && r.removed.length) {
    return { mode: 'observe', condition: { status: 'False', reason: 'WouldChange', message: `the endpoint is gone; observe-only: would delete the records of ${list(r.removed)}, which still point at its IPs${others}` }, details: { deleted: true }, audit: [] };
  }
  const what = r.removed.length ? `deleted the leftover records of ${list(r.removed)}` : r.names.length ? `its records are gone from the zones (${list(r.names.map((n) => n.fqdn))})` : 'it had no registered names';
  return { condition: { status: 'False', reason: 'Deleted', message: `the endpoint is gone; ${what}${others}` }, details: { deleted: true, names: r.mode === 'enforce' ? [] : r.names }, audit: [] };
}

function* reconcile(context: Ctx, input: EndpointInput, trigger: TriggerInfo, start: ReconcileStart): Generator<df.Task, Outcome | NoRecord, unknown> {
  const timing: Timing = input.timing;
  let snapshot = input.snapshot;
  let lastNote = '';
  for (let pass = 1; pass <= timing.maxPasses; pass++) {
    const observed = yield* callArm<EndpointObservation>(context, DNS_ACTIVITY.observe, { endpointId: input.endpointId, ...(snapshot ? { snapshot } : {}) }, timing, trigger);
    snapshot = undefined;
    if (!observed.ok) return armFailure(observed.error, 'Reading the endpoint and its zones');
    const obs = observed.value;
    switch (obs.kind) {
      case 'absent':
        // Never seen: nothing of its can be left to clean up, and a typo must not stay listed.
        if (!start.seen) return { noRecord: 'NotFound', message: `${input.endpointId} does not exist and the control plane never recorded it` };
        return yield* removeEndpoint(context, input, trigger);
      case 'disabled':
        return { noRecord: 'Disabled', message: obs.reason };
      case 'blocked':
        return {
          condition: { status: 'False', reason: obs.reason, message: obs.message },
          details: { endpointId: obs.endpoint.id, location: obs.endpoint.location, connections: describeConnections(obs.endpoint) },
          audit: [{ action: 'reject', outcome: 'rejected', reason: obs.message }],
        };
      case 'notReady':
        lastNote = obs.message;
        yield timerIn(context, backoffMs(timing, pass));
        continue;
      case 'ready':
        break;
    }
    const details = endpointDetails(obs);
    const missing = obs.zones.filter((z) => !z.exists);
    if (missing.length) {
      const names = list(missing.map((z) => z.name));
      const where = `resource group ${obs.config.zonesResourceGroup} of subscription ${obs.config.zonesSubscriptionId}`;
      if (!obs.config.createMissingZones) {
        return { condition: { status: 'False', reason: 'ZoneMissing', message: `central zone ${names} does not exist in ${where}: create it, or set privateDns.createMissingZones` }, details, audit: [] };
      }
      if (obs.mode === 'observe') {
        return { mode: 'observe', condition: { status: 'False', reason: 'WouldChange', message: `observe-only: would create zone ${names} in ${where}, link it to the hubs and register the endpoint` }, details, audit: missing.map((z) => ({ action: 'createZone', target: z.id, outcome: 'observed' as const, reason: 'missing central zone' })) };
      }
      for (const zone of missing) {
        const made = yield* callArm<unknown>(context, DNS_ACTIVITY.ensureZone, { zoneId: zone.id, endpointId: input.endpointId, trigger }, timing);
        if (!made.ok) {
          if (made.error.class !== 'retryable') return { condition: { status: 'False', reason: made.error.code, message: `creating zone ${zone.name} failed: ${made.error.message}` }, details, audit: [] };
          lastNote = `creating zone ${zone.name}: ${made.error.code}: ${made.error.message}`;
        }
      }
      continue;
    }

    const mine = obs.names.filter((n) => n.verdict.kind === 'mine');
    const conflicts = obs.names.filter((n) => n.verdict.kind === 'conflict');
    const lost = [...new Set(conflicts.map((n) => n.zoneId))];
    const wanted = obs.zones.map((z) => z.id).filter((id) => !lost.includes(id));
    const stale = mine.filter((n) => !n.recordIps || !sameIps(n.recordIps, n.ipAddresses)).map((n) => n.fqdn);
    const plan = planZoneGroup({ groups: obs.groups, wanted, lost, staleRecords: stale, config: obs.config });
    if (plan.kind === 'foreign') {
      return {
        condition: { status: 'False', reason: 'ForeignZoneGroup', message: `${plan.reason}: left alone (set privateDns.foreignZoneGroups to replace to have it corrected)` },
        details: { ...details, foreignZoneGroup: { name: plan.group.name, zoneIds: plan.group.configs.map((c) => c.zoneId) } },
        audit: [],
      };
    }
    if (obs.mode === 'observe') {
      if (plan.kind === 'none') return { ...settled(obs), mode: 'observe' };
      return {
        mode: 'observe',
        condition: { status: 'False', reason: 'WouldChange', message: `observe-only: would ${plan.action} zone group ${plan.groupName} (${list(plan.zoneIds.map(zoneNameOf))}): ${plan.reason}` },
        details,
        audit: [{ action: plan.action, target: `${obs.endpoint.id}/privateDnsZoneGroups/${plan.groupName}`, outcome: 'observed', reason: plan.reason, after: { zoneIds: plan.zoneIds } }],
      };
    }
    const toClaim = mine.filter((n) => n.verdict.kind === 'mine' && n.verdict.claim === 'take');
    if (toClaim.length) {
      const claimed = (yield context.df.callActivity(DNS_ACTIVITY.claimNames, { endpointId: obs.endpoint.id, firstSeen: obs.firstSeen, names: toClaim })) as { lost: string[] };
      if (claimed.lost.length) {
        // Another endpoint claimed a name between our read and our write: judge again with its claim in view.
        lastNote = `${list(claimed.lost)} claimed by another endpoint meanwhile`;
        continue;
      }
    }
    if (plan.kind === 'none') return settled(obs);

    const group = obs.groups[0];
    const write: ZoneGroupWrite = { endpointId: obs.endpoint.id, groupName: plan.groupName, zoneIds: plan.zoneIds, action: plan.action, reason: plan.reason, ...(group ? { before: group } : {}), trigger };
    const written = yield* callArm<ObservedZoneGroup>(context, DNS_ACTIVITY.writeZoneGroup, write, timing);
    if (!written.ok) {
      if (written.error.class !== 'retryable') {
        return { condition: { status: 'False', reason: written.error.code, message: `writing zone group ${plan.groupName} failed: ${written.error.message}` }, details, audit: [] };
      }
      lastNote = `${written.error.code}: ${written.error.message}`;
      yield timerIn(context, backoffMs(timing, pass, written.error.retryAfterMs));
      continue;
    }
    // Zones of names another endpoint holds that left our group: Azure deleted those records by name, so their
    // holders write them again.
    const dropped = (group?.configs ?? []).map((c) => c.zoneId.toLowerCase()).filter((z) => lost.some((l) => l.toLowerCase() === z) && !plan.zoneIds.some((p) => p.toLowerCase() === z));
    const holders = [...new Set(conflicts.filter((n) => dropped.includes(n.zoneId.toLowerCase())).map((n) => (n.verdict.kind === 'conflict' ? n.verdict.ownerId : undefined)).filter((id): id is string => !!id))];
    const calls = requestInChunks(context, DNS_ACTIVITY.requestReconcile, holders.map((endpointId) => ({ endpointId, trigger })));
    if (calls.length) yield context.df.Task.all(calls);

    // The write's answer shows the records Azure wrote (the group's recordSets): only names it does not show are read.
    const unshown = namesNotShownIn(written.value, mine.filter((n) => plan.zoneIds.includes(n.zoneId)).map(recorded));
    if (unshown.length === 0) return settled(obs, plan.groupName);
    const verified = yield* callArm<string[]>(context, DNS_ACTIVITY.verifyRecords, { names: unshown }, timing, trigger);
    if (verified.ok && verified.value.length === 0) return settled(obs, plan.groupName);
    lastNote = verified.ok ? `records of ${list(verified.value)} do not point at the endpoint yet` : `verifying: ${verified.error.code}: ${verified.error.message}`;
    yield timerIn(context, backoffMs(timing, pass));
  }
  return { condition: { status: 'Unknown', reason: 'NotConverged', message: `not converged after ${timing.maxPasses} passes: ${lastNote}` }, details: {}, audit: [] };
}

const endpointDns = reconcilingOrchestrator<EndpointInput>(
  (context, input, start) => reconcile(context, input, input.trigger, start),
  DNS_ACTIVITY.record,
  (input) => ({ endpointId: input.endpointId }),
  (input) => endpointRecordTarget(input.endpointId),
);

df.app.orchestration(ENDPOINT_ORCHESTRATOR, endpointDns);
