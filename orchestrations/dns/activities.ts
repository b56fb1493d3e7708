/**
 * The DNS flow's activities. Each reads or writes through one port (DnsPort, the record store, the durable client)
 * and returns plain data; ARM failures come back as classified values, so the orchestrator decides with durable
 * timers whether and when to try again.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { resourceKey, sameResource } from '../../shared/azure/resource-id';
import { classifyArmError } from '../../shared/azure/errors';
import type { ObservedEndpoint, ObservedZoneGroup } from '../../shared/dns/model';
import { judgeName, resolveEndpoint, sameIps, staleRecords, zoneShownBy, type NameClaim } from '../../shared/dns/spec';
import { type AuditEntry, type ManagedRecord, type TriggerInfo } from '../../shared/store/records';
import { arm } from '../common/arm-retry';
import { recordOutcome, type RecordInput } from '../common/record';
import { readOrAbsent } from '../common/requests';
import { flowDeps, timingFrom } from '../common/deps';
import { startOrSignal, type ReconcileRequestOutcome } from '../common/start';
import type { ArmResult } from '../common/types';
import { DNS_ACTIVITY, ENDPOINT_ORCHESTRATOR, RECONCILE_EVENT, endpointInstanceId, endpointRecordTarget } from './names';
import { tracedActivity } from '../../shared/telemetry';
import type { EndpointInput, EndpointObservation, JudgedName, RecordedName } from './types';

/** Tags on what the control plane creates, so people can tell. */
const CREATED_BY = { 'managed-by': 'hubspoke-control-plane' };

function claimOf(record: ManagedRecord): NameClaim {
  const d = record.details;
  return {
    fqdn: record.resourceId,
    ownerId: String(d.ownerId ?? ''),
    ipAddresses: Array.isArray(d.ipAddresses) ? d.ipAddresses.map(String) : [],
    ownerSince: String(d.ownerSince ?? ''),
  };
}

/** Reads the endpoint, its zones, records, zone groups and name claims, and judges who holds each name. */
export async function observeEndpoint(input: { endpointId: string; snapshot?: ObservedEndpoint }): Promise<ArmResult<EndpointObservation>> {
  const { config, dns, store } = flowDeps();
  return arm(async (): Promise<EndpointObservation> => {
    const pd = config.privateDns;
    if (!pd) return { kind: 'disabled', reason: 'private endpoint DNS is not configured (no privateDns block in the topology)' };
    const endpoint = input.snapshot ?? (await readOrAbsent(() => dns.getEndpoint(input.endpointId)));
    if (!endpoint) return { kind: 'absent' };
    const resolved = resolveEndpoint(endpoint, pd);
    if (resolved.kind === 'unsupported') return { kind: 'blocked', reason: 'Unsupported', message: resolved.reasons.join('; '), endpoint };
    if (resolved.kind === 'tooManyZones') {
      return {
        kind: 'blocked',
        reason: 'TooManyZones',
        message: `the endpoint needs ${resolved.zones.length} zones (${resolved.zones.join(', ')}) but a zone group holds at most 5: split its connections over several endpoints`,
        endpoint,
      };
    }
    if (resolved.kind === 'failed') return { kind: 'blocked', reason: 'EndpointFailed', message: resolved.reason, endpoint };
    if (resolved.kind === 'notReady') return { kind: 'notReady', message: resolved.reason };
    const previous = await store.getRecord('endpoint', endpoint.id);
    const firstSeen = typeof previous?.details.firstSeen === 'string' ? previous.details.firstSeen : new Date().toISOString();
    // Every name's A record is read at once: its answer also says whether its zone exists, so a zone is read only
    // when none of its records' answers did (a zone no name falls in, or a 404 whose code proves nothing).
    const [groups, reads, claims] = await Promise.all([
      dns.listZoneGroups(endpoint.id),
      Promise.all(resolved.names.map((name) => dns.readARecord(name.zoneId, name.recordName))),
      Promise.all(resolved.names.map((name) => store.getVersioned('dnsName', name.fqdn))),
    ]);
    const zones = await Promise.all(
      resolved.zones.map(async (z) => ({ ...z, exists: zoneShownBy(resolved.names.flatMap((n, i) => (n.zoneId === z.id && reads[i] ? [reads[i]] : []))) ?? (await dns.zoneExists(z.id)) })),
    );
    const names = await Promise.all(
      resolved.names.map(async (name, i): Promise<JudgedName> => {
        const zoneExists = zones.find((z) => z.id === name.zoneId)?.exists ?? false;
        const record = zoneExists ? (reads[i]?.record ?? null) : null;
        const claimed = claims[i] ?? null;
        const claim = claimed ? claimOf(claimed.record) : null;
        let ownerAlive: boolean | undefined;
        if (claim && !sameResource(claim.ownerId, endpoint.id)) {
          const owner = await dns.getEndpoint(claim.ownerId);
          ownerAlive = !!owner && owner.dnsNames.some((n) => n.fqdn.toLowerCase() === name.fqdn);
        }
        const verdict = judgeName({ name, endpointId: endpoint.id, firstSeen, claim, ...(ownerAlive !== undefined ? { ownerAlive } : {}), record, policy: pd.conflicts });
        return { ...name, verdict, claimVersion: claimed?.version ?? null, recordIps: record ? record.ipAddresses : null };
      }),
    );
    return { kind: 'ready', endpoint, zones, names, unplaced: resolved.unplaced, groups, firstSeen, config: pd, mode: config.mode };
  });
}

const auditEntry = (endpointId: string, trigger: TriggerInfo, mode: 'enforce' | 'observe', entry: Omit<AuditEntry, 'at' | 'resourceId' | 'kind' | 'trigger' | 'mode'>): AuditEntry => ({
  at: new Date().toISOString(),
  resourceId: endpointId,
  kind: 'endpoint',
  trigger,
  mode,
  ...entry,
});

/** Runs a write, auditing success and failure alike; failures come back classified. */
async function audited<T>(endpointId: string, trigger: TriggerInfo, entry: Omit<AuditEntry, 'at' | 'resourceId' | 'kind' | 'trigger' | 'mode' | 'outcome'>, write: () => Promise<T>): Promise<ArmResult<T>> {
  const { store } = flowDeps();
  const result = await arm(write);
  await store.appendAudit([
    auditEntry(endpointId, trigger, 'enforce', result.ok ? { ...entry, outcome: 'succeeded' } : { ...entry, outcome: 'failed', error: { code: result.error.code, message: result.error.message } }),
  ]);
  return result;
}

/** Creates a missing zone (unless someone did meanwhile) and links it to every hub VNet it is not linked to. */
export async function ensureZone(input: { zoneId: string; endpointId: string; trigger: TriggerInfo }): Promise<ArmResult<{ created: boolean; linked: string[] }>> {
  const { config, dns } = flowDeps();
  if (config.mode !== 'enforce') return { ok: false, error: { class: 'terminal', code: 'ObserveOnly', message: 'CONTROL_PLANE_MODE is observe: nothing is written' } };
  let created = false;
  const exists = await arm(() => dns.zoneExists(input.zoneId));
  if (!exists.ok) return exists;
  if (!exists.value) {
    const made = await audited(input.endpointId, input.trigger, { action: 'createZone', target: input.zoneId, reason: 'the endpoint needs this central zone and createMissingZones is on' }, () => dns.createZone(input.zoneId, CREATED_BY));
    if (!made.ok) return made;
    created = true;
  }
  const links = await arm(() => dns.listZoneLinks(input.zoneId));
  if (!links.ok) return links;
  const linked: string[] = [];
  for (const hub of config.hubs) {
    if (links.value.some((v) => sameResource(v, hub.vnetId))) continue;
    const linkName = `link-${hub.name}`;
    const done = await audited(input.endpointId, input.trigger, { action: 'linkZone', target: `${input.zoneId}/virtualNetworkLinks/${linkName}`, reason: `names in the zone must resolve from hub ${hub.name}`, after: { vnetId: hub.vnetId } }, () =>
      dns.putZoneLink(input.zoneId, linkName, hub.vnetId, CREATED_BY),
    );
    if (!done.ok) return done;
    linked.push(hub.vnetId);
  }
  return { ok: true, value: { created, linked } };
}

/**
 * Takes (or refreshes) the endpoint's claims with compare-and-set: a claim that changed since it was read means
 * another endpoint got there first; the orchestrator then observes and judges again.
 */
export async function claimNames(input: { endpointId: string; firstSeen: string; names: JudgedName[] }): Promise<{ lost: string[] }> {
  const { store } = flowDeps();
  const now = new Date().toISOString();
  const lost: string[] = [];
  for (const n of input.names) {
    const record: ManagedRecord = {
      kind: 'dnsName',
      resourceId: n.fqdn,
      condition: { type: 'Claimed', status: 'True', reason: 'Claimed', message: `resolves to ${input.endpointId}`, lastTransitionTime: now },
      details: { ownerId: input.endpointId, ipAddresses: n.ipAddresses, ownerSince: input.firstSeen, zoneId: n.zoneId, recordName: n.recordName },
      updatedAt: now,
    };
    if (!(await store.putRecordIf(record, n.claimVersion))) lost.push(n.fqdn);
  }
  return { lost };
}

export interface ZoneGroupWrite {
  endpointId: string;
  groupName: string;
  zoneIds: string[];
  action: string;
  reason: string;
  before?: ObservedZoneGroup;
  trigger: TriggerInfo;
}

export async function writeZoneGroup(input: ZoneGroupWrite): Promise<ArmResult<ObservedZoneGroup>> {
  const { config, dns } = flowDeps();
  // Defence in depth: the orchestrator never asks in observe mode; a request from before a mode switch must not write.
  if (config.mode !== 'enforce') return { ok: false, error: { class: 'terminal', code: 'ObserveOnly', message: 'CONTROL_PLANE_MODE is observe: nothing is written' } };
  const target = `${input.endpointId}/privateDnsZoneGroups/${input.groupName}`;
  return audited(input.endpointId, input.trigger, { action: input.action, target, reason: input.reason, ...(input.before ? { before: input.before } : {}), after: { zoneIds: input.zoneIds } }, () =>
    dns.putZoneGroup(input.endpointId, input.groupName, input.zoneIds),
  );
}

/** The names whose A records are missing or point elsewhere (what the zone group should have written). */
export async function verifyRecords(input: { names: RecordedName[] }): Promise<ArmResult<string[]>> {
  const { dns } = flowDeps();
  return arm(async () => {
    const records = await Promise.all(input.names.map((n) => dns.getARecord(n.zoneId, n.recordName)));
    return staleRecords(input.names, new Map(input.names.map((n, i) => [n.fqdn, records[i] ?? null])));
  });
}

export interface RemovalResult {
  mode: 'enforce' | 'observe';
  names: RecordedName[];
  /** Records deleted (enforce) or that would be (observe): they pointed at the gone endpoint's IPs. */
  removed: string[];
  released: string[];
  /** Endpoints to reconcile: holders whose record may have gone with ours, and endpoints waiting for a name. */
  reconcile: string[];
}

/**
 * After an endpoint is gone: its records we are accountable for (names it held) must be gone too. Azure deletes a
 * zone group's records with the endpoint; whatever is left pointing at its IPs is deleted here. Its claims are
 * released, endpoints that were waiting for those names are reconciled, and so is any holder of a name the gone
 * endpoint also had in its zone group (Azure deletes the record by name, even when it pointed at the holder).
 */
export async function removeEndpoint(input: { endpointId: string; trigger: TriggerInfo }): Promise<ArmResult<RemovalResult>> {
  const { config, dns, store } = flowDeps();
  return arm(async () => {
    const previous = await store.getRecord('endpoint', input.endpointId);
    const names = Array.isArray(previous?.details.names) ? (previous.details.names as RecordedName[]) : [];
    const result: RemovalResult = { mode: config.mode, names, removed: [], released: [], reconcile: [] };
    const freed: string[] = [];
    const audit: AuditEntry[] = [];
    for (const n of names) {
      const claimed = await store.getVersioned('dnsName', n.fqdn);
      const claim = claimed ? claimOf(claimed.record) : null;
      if (claim && !sameResource(claim.ownerId, input.endpointId)) {
        result.reconcile.push(claim.ownerId);
        continue;
      }
      const record = await dns.getARecord(n.zoneId, n.recordName);
      if (record && sameIps(record.ipAddresses, n.ipAddresses)) {
        const target = `${n.zoneId}/A/${n.recordName}`;
        if (config.mode === 'enforce') {
          await dns.deleteARecord(n.zoneId, n.recordName, record.etag);
          audit.push(auditEntry(input.endpointId, input.trigger, 'enforce', { action: 'deleteRecord', target, outcome: 'succeeded', reason: `the endpoint is gone and ${n.fqdn} still pointed at its IPs`, before: record }));
        } else {
          audit.push(auditEntry(input.endpointId, input.trigger, 'observe', { action: 'deleteRecord', target, outcome: 'observed', reason: `the endpoint is gone and ${n.fqdn} still points at its IPs`, before: record }));
        }
        result.removed.push(n.fqdn);
      }
      if (claimed && config.mode === 'enforce' && (await store.deleteRecordIf('dnsName', n.fqdn, claimed.version))) result.released.push(n.fqdn);
      freed.push(n.fqdn);
    }
    if (freed.length) {
      const waiting = (await store.listRecords('endpoint')).filter(
        (r) => r.condition.reason === 'Conflict' && !sameResource(r.resourceId, input.endpointId) && Array.isArray(r.details.conflicts) && (r.details.conflicts as Array<{ fqdn?: string }>).some((c) => c.fqdn !== undefined && freed.includes(c.fqdn)),
      );
      result.reconcile.push(...waiting.map((r) => r.resourceId));
    }
    result.reconcile = [...new Map(result.reconcile.map((id) => [resourceKey(id), id])).values()];
    await store.appendAudit(audit);
    return result;
  });
}

/**
 * Deletes an A record of no endpoint and no claim (a drift run found it, drift.repair.orphans on): read again first
 * (a direct GET), deleted only while no claim names it and it points at the IPs the run found (its ETag guards the
 * delete), audited under the record's name.
 */
export async function removeOrphanRecord(input: { zoneId: string; recordName: string; ipAddresses: string[]; fqdn: string; reason: string; trigger: TriggerInfo }): Promise<{ ok: boolean; detail: string }> {
  const { config, dns, store } = flowDeps();
  if (config.mode !== 'enforce') return { ok: false, detail: 'CONTROL_PLANE_MODE is observe: nothing is written' };
  const record = await dns.getARecord(input.zoneId, input.recordName);
  if (!record) return { ok: true, detail: 'already gone' };
  if (!sameIps(record.ipAddresses, input.ipAddresses)) return { ok: false, detail: `it changed since the run found it (now ${record.ipAddresses.join(', ') || 'no IPs'}): left alone` };
  if (await store.getRecord('dnsName', input.fqdn)) return { ok: false, detail: `${input.fqdn} is claimed now: left to its endpoint's orchestration` };
  const target = `${input.zoneId}/A/${input.recordName}`;
  const entry = (outcome: AuditEntry['outcome'], extra: Partial<AuditEntry> = {}): AuditEntry => ({ at: new Date().toISOString(), resourceId: input.fqdn, kind: 'dnsName', action: 'deleteRecord', target, outcome, reason: input.reason, trigger: input.trigger, mode: 'enforce', before: record, ...extra });
  try {
    await dns.deleteARecord(input.zoneId, input.recordName, record.etag);
  } catch (e) {
    const error = classifyArmError(e);
    await store.appendAudit([entry('failed', { error: { code: error.code, message: error.message } })]);
    return { ok: false, detail: `${error.code}: ${error.message}` };
  }
  await store.appendAudit([entry('succeeded')]);
  return { ok: true, detail: 'deleted' };
}

export type RecordEndpointInput = RecordInput & { endpointId: string };

/** Writes the endpoint's condition and audit entries, keeping when it was first seen and its last known names. */
export async function recordEndpoint(input: RecordEndpointInput, context: InvocationContext): Promise<void> {
  await recordOutcome(flowDeps().store, endpointRecordTarget(input.endpointId), input, context, (previous, now) => {
    // A record that lost its names (the endpoint went) keeps the last ones known, for the delete path.
    const names = input.details.names ?? previous?.names;
    return { ...input.details, firstSeen: previous?.firstSeen ?? input.details.firstSeen ?? now, ...(names !== undefined ? { names } : {}) };
  });
}

export async function requestEndpointReconcile(
  input: { requests: Array<{ endpointId: string; trigger: TriggerInfo; snapshot?: ObservedEndpoint }> },
  context: InvocationContext,
): Promise<ReconcileRequestOutcome[]> {
  const client = df.getClient(context);
  const timing = timingFrom(flowDeps().config);
  const out: ReconcileRequestOutcome[] = [];
  for (const r of input.requests) out.push(await requestEndpointDns(client, { ...r, timing }));
  return out;
}

/** Starts the endpoint's orchestration, or tells the running one to look again when it ends. */
export function requestEndpointDns(client: df.DurableClient, request: EndpointInput): Promise<ReconcileRequestOutcome> {
  const input: EndpointInput = { endpointId: request.endpointId, trigger: request.trigger, timing: request.timing, ...(request.snapshot ? { snapshot: request.snapshot } : {}) };
  return startOrSignal(client, { orchestrator: ENDPOINT_ORCHESTRATOR, instanceId: endpointInstanceId(request.endpointId), input, event: RECONCILE_EVENT, eventData: request.trigger, what: request.endpointId });
}

export async function listEndpoints(input: { subscriptionId: string }): Promise<ArmResult<ObservedEndpoint[]>> {
  const { dns } = flowDeps();
  return arm(() => dns.listEndpoints(input.subscriptionId));
}

const withClient = { extraInputs: [df.input.durableClient()] };

df.app.activity(DNS_ACTIVITY.observe, { handler: tracedActivity(DNS_ACTIVITY.observe, observeEndpoint) });
df.app.activity(DNS_ACTIVITY.ensureZone, { handler: tracedActivity(DNS_ACTIVITY.ensureZone, ensureZone) });
df.app.activity(DNS_ACTIVITY.claimNames, { handler: tracedActivity(DNS_ACTIVITY.claimNames, claimNames) });
df.app.activity(DNS_ACTIVITY.writeZoneGroup, { handler: tracedActivity(DNS_ACTIVITY.writeZoneGroup, writeZoneGroup) });
df.app.activity(DNS_ACTIVITY.verifyRecords, { handler: tracedActivity(DNS_ACTIVITY.verifyRecords, verifyRecords) });
df.app.activity(DNS_ACTIVITY.removeEndpoint, { handler: tracedActivity(DNS_ACTIVITY.removeEndpoint, removeEndpoint) });
df.app.activity(DNS_ACTIVITY.record, { handler: tracedActivity(DNS_ACTIVITY.record, recordEndpoint) });
df.app.activity(DNS_ACTIVITY.requestReconcile, { ...withClient, handler: requestEndpointReconcile });
df.app.activity(DNS_ACTIVITY.listEndpoints, { handler: listEndpoints });
df.app.activity(DNS_ACTIVITY.removeOrphanRecord, { handler: tracedActivity(DNS_ACTIVITY.removeOrphanRecord, removeOrphanRecord) });
