/**
 * The stamps' HTTP API, and the timer that keeps every origin group's monitor running.
 *   GET  /api/stamps[?state=&region=&top=&continuationToken=]  each stamp: name, state, originId, frontDoor.enabledState as last read,
 *                                         last signals, pin, ejection count, last transition, why
 *   GET  /api/stamps/{name}               the same plus its history and audit
 *   POST /api/stamps/{name}/pin           ControlPlane.Operator; {"mode": "out"|"in"|"auto", "reason": "...", "until"?: ISO 8601}
 *   POST /api/stamps/alerts               Azure Monitor common-schema alerts: the action group's secure webhook
 *                                         (Entra token, validated in code) or a key (x-functions-key / code)
 */
import { timingSafeEqual } from 'node:crypto';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import { verifySecureWebhook } from '../shared/auth/secure-webhook';
import { tokenValidator, type Caller } from '../shared/auth/tokens';
import type { ControlPlaneConfig } from '../shared/config';
import { STAMP_STATES } from '../shared/stamps/model';
import { MAX_ALERT_BYTES, parseCommonAlert, stampsForAlert } from '../shared/stamps/alerts';
import type { ManagedRecord, TriggerInfo } from '../shared/store/records';
import { flowDeps } from '../orchestrations/common';
import { ensureStampMonitors, signalStamp } from '../orchestrations/stamps';
import { guarded, pageBody, pageOf, problem, readJson } from './http';

const STAMP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Pins last at most this long: a forgotten drain must not keep a stamp out forever without a decision. */
export const MAX_PIN_DAYS = 30;
const MAX_REASON = 500;

function requireStamps(config: ControlPlaneConfig): HttpResponseInit | undefined {
  if (config.stamps) return undefined;
  return problem(409, 'StampsNotConfigured', 'stamp health is not configured: add a stamps block (frontDoors, stamps, policy) to the topology document');
}

function configuredStamp(config: ControlPlaneConfig, name: string) {
  return config.stamps?.stamps.find((s) => s.name.toLowerCase() === name.toLowerCase());
}

/** A stamp's view: its record's details, or what the configuration says before its first round. */
function view(config: ControlPlaneConfig, name: string, record: ManagedRecord | undefined): Record<string, unknown> {
  const stamp = configuredStamp(config, name);
  const base = {
    name: stamp?.name ?? name,
    region: stamp?.region,
    state: 'Healthy',
    why: 'no round yet',
    pin: null,
    ejectionCount: 0,
    lastTransition: null,
    frontDoor: { enabledState: null },
  };
  if (!record) return base;
  const { history: _history, ...details } = record.details;
  return { ...base, ...details, region: stamp?.region, condition: record.condition, updatedAt: record.updatedAt };
}

export async function listStamps(request: HttpRequest): Promise<HttpResponseInit> {
  const { config, store } = flowDeps();
  const refused = requireStamps(config);
  if (refused) return refused;
  const state = request.query.get('state');
  const region = request.query.get('region');
  if (state !== null && !(STAMP_STATES as readonly string[]).includes(state)) return problem(400, 'InvalidQuery', `state must be one of ${STAMP_STATES.join(', ')} (got "${state}")`);
  const records = new Map((await store.listRecords('stamp')).map((r) => [r.resourceId.toLowerCase(), r]));
  // In the configuration's order: the page key is the stamp's position there.
  const stamps = (config.stamps?.stamps ?? [])
    .map((s, i) => ({ key: String(i).padStart(6, '0'), view: view(config, s.name, records.get(s.name.toLowerCase())) }))
    .filter(({ view: s }) => (state === null || s.state === state) && (region === null || String(s.region ?? '').toLowerCase() === region.toLowerCase()));
  const page = pageOf(request, stamps, (s) => s.key, { path: '/api/stamps', filters: { state, region } });
  if (!page.ok) return page.response;
  return { status: 200, jsonBody: pageBody('stamps', page.value, (s) => s.view) };
}

export async function getStamp(request: HttpRequest): Promise<HttpResponseInit> {
  const { config, store } = flowDeps();
  const refused = requireStamps(config);
  if (refused) return refused;
  const name = request.params.name ?? '';
  const stamp = configuredStamp(config, name);
  if (!stamp) return problem(404, 'StampNotFound', `no stamp named "${name}" is configured (stamps: ${(config.stamps?.stamps ?? []).map((s) => s.name).join(', ')})`);
  const record = await store.getRecord('stamp', stamp.name);
  const audit = await store.listAudit(stamp.name, 50);
  return { status: 200, jsonBody: { ...view(config, stamp.name, record ?? undefined), history: record?.details.history ?? [], audit } };
}

const pinSchema = z
  .object({
    mode: z.enum(['out', 'in', 'auto'], { error: 'must be "out" (drain), "in" (force in) or "auto" (back to the signals)' }),
    reason: z.string().trim().min(1, 'say why (it is audited)').max(MAX_REASON, `at most ${MAX_REASON} characters`),
    until: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date and time, e.g. 2026-11-28T18:00:00Z' }).optional(),
  })
  .strict();

/** Who pinned, as the audit names them: the token's name and object ID. */
function callerOf(caller: Caller): string {
  return caller.name ? `${caller.name} (${caller.oid})` : caller.oid;
}

export async function pinStamp(request: HttpRequest, context: InvocationContext, caller: Caller): Promise<HttpResponseInit> {
  const { config, store } = flowDeps();
  const refused = requireStamps(config);
  if (refused) return refused;
  const name = request.params.name ?? '';
  if (!STAMP_NAME.test(name)) return problem(400, 'InvalidStampName', `"${name}" is not a stamp name (1-63 letters, digits, ".", "_" or "-")`);
  const stamp = configuredStamp(config, name);
  if (!stamp) return problem(404, 'StampNotFound', `no stamp named "${name}" is configured`);
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const parsed = pinSchema.safeParse(body.value);
  if (!parsed.success) return problem(400, 'InvalidPin', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  const { mode, reason, until } = parsed.data;
  const now = Date.now();
  if (until !== undefined) {
    if (mode === 'auto') return problem(400, 'InvalidPin', 'until: only a pin "out" or "in" lapses; "auto" has no until');
    const at = Date.parse(until);
    if (at <= now) return problem(400, 'InvalidPin', `until: ${until} is in the past`);
    if (at - now > MAX_PIN_DAYS * 86_400_000) return problem(400, 'InvalidPin', `until: at most ${MAX_PIN_DAYS} days ahead`);
  }
  const by = callerOf(caller);
  const at = new Date(now).toISOString();
  const trigger: TriggerInfo = { source: 'http', principal: by };
  const { monitor } = await signalStamp(df.getClient(context), config, stamp.name, { kind: 'pin', mode, reason, by, at, ...(until ? { until: new Date(until).toISOString() } : {}) }, trigger);
  await store.appendAudit([{ at, resourceId: stamp.name, kind: 'stamp', action: `pin:${mode}`, outcome: 'succeeded', reason: `${reason}${until ? ` (until ${until})` : ''}`, trigger, mode: config.mode }]);
  context.log(`stamp ${stamp.name}: pinned ${mode} by ${by}: ${reason}`);
  return { status: 202, jsonBody: { stamp: stamp.name, pin: { mode, reason, by, at, ...(until ? { until } : {}) }, monitor, note: 'the stamp\'s monitor applies the pin in its next round (at once: it is woken)' } };
}

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The keys the alert webhook accepts besides a secure-webhook token: STAMP_ALERT_KEYS (comma-separated). The app
 * cannot read its own function keys, so the key an action group's plain webhook sends is configured here too.
 */
function alertKeys(): string[] {
  return (process.env.STAMP_ALERT_KEYS ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
}

async function authenticateAlert(request: HttpRequest, config: ControlPlaneConfig): Promise<{ ok: true; caller: string } | { ok: false; response: HttpResponseInit }> {
  const unauthorized = (why: string): { ok: false; response: HttpResponseInit } => ({ ok: false, response: { ...problem(401, 'Unauthorized', why), headers: { 'WWW-Authenticate': 'Bearer' } } });
  const authorization = request.headers.get('authorization');
  if (authorization) {
    const caller = await verifySecureWebhook(authorization, tokenValidator(config.auth));
    return caller.ok ? { ok: true, caller: `action group (app ${caller.appId})` } : unauthorized(caller.reason);
  }
  const key = request.headers.get('x-functions-key') ?? request.query.get('code');
  if (key && alertKeys().some((k) => sameKey(k, key))) return { ok: true, caller: 'webhook key' };
  return unauthorized(key ? 'the key is not valid' : 'send the action group\'s secure webhook token (Authorization: Bearer) or a key (x-functions-key header or code query parameter)');
}

export async function receiveAlert(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { config, store } = flowDeps();
  const auth = await authenticateAlert(request, config);
  if (!auth.ok) {
    context.warn(`Alert webhook: refused (${JSON.stringify(auth.response.jsonBody)})`);
    return auth.response;
  }
  const refused = requireStamps(config);
  if (refused) return refused;
  const body = await readJson(request, MAX_ALERT_BYTES);
  if (!body.ok) return body.response;
  const parsed = parseCommonAlert(body.value);
  if (!parsed.ok) {
    context.warn(`Alert webhook: rejected a malformed alert: ${parsed.error}`);
    return problem(400, 'InvalidAlert', parsed.error);
  }
  const alert = parsed.alert;
  const matched = stampsForAlert(alert, config.stamps?.stamps ?? []);
  const trigger: TriggerInfo = { source: 'http', principal: auth.caller, eventId: alert.alertId, operationName: `alert ${alert.condition}` };
  if (matched.stamps.length === 0) {
    const why = matched.by === 'stampId' ? `stampId "${alert.stampId ?? ''}" names no configured stamp` : 'none of its alertTargetIDs is a stamp resource';
    context.warn(`Alert ${alert.alertId} (${alert.rule}, ${alert.condition}): no stamp: ${why}`);
    // Accepted (2xx) so that Azure Monitor does not retry an alert that can never match; recorded for the operator.
    await store.appendAudit([{ at: new Date().toISOString(), resourceId: 'unmatched-alerts', kind: 'event', action: 'alert', target: alert.alertId, outcome: 'skipped', reason: `${alert.detail}: ${why}`, trigger, mode: config.mode }]);
    return { status: 202, jsonBody: { alertId: alert.alertId, condition: alert.condition, stamps: [], matchedBy: matched.by, note: why } };
  }
  const client = df.getClient(context);
  for (const stamp of matched.stamps) await signalStamp(client, config, stamp, { kind: 'alert', alert }, trigger);
  context.log(`Alert ${alert.alertId} (${alert.detail}) for stamps ${matched.stamps.join(', ')} (by ${matched.by})`);
  return { status: 202, jsonBody: { alertId: alert.alertId, condition: alert.condition, stamps: matched.stamps, matchedBy: matched.by } };
}

/** Every minute (and at start-up): the monitor of every configured origin group runs. */
export async function keepStampMonitors(_timer: Timer, context: InvocationContext): Promise<void> {
  const started = await ensureStampMonitors(df.getClient(context), flowDeps().config);
  if (started.length) context.log(`Started stamp monitors: ${started.join(', ')}`);
}

const withClient = { extraInputs: [df.input.durableClient()] };
app.http('listStamps', { methods: ['GET'], route: 'stamps', authLevel: 'anonymous', handler: guarded('read', listStamps) });
// Registered before stamps/{name} so that the literal route wins.
app.http('stampAlerts', { methods: ['POST'], route: 'stamps/alerts', authLevel: 'anonymous', ...withClient, handler: receiveAlert });
app.http('getStamp', { methods: ['GET'], route: 'stamps/{name}', authLevel: 'anonymous', handler: guarded('read', getStamp) });
app.http('pinStamp', { methods: ['POST'], route: 'stamps/{name}/pin', authLevel: 'anonymous', ...withClient, handler: guarded('write', pinStamp) });
app.timer('stampMonitors', { schedule: '0 */1 * * * *', runOnStartup: true, ...withClient, handler: keepStampMonitors });
