/**
 * The platform team's egress API, emulated (docs/platform-api.openapi.yaml): what a platform team that owns the hub
 * firewall would run. It records submitted requests (before their decision), applies them with the decision,
 * revokes them (withdraws a never-applied one without a write) as long-running operations, and
 * writes the rules into the emulated Firewall Policy through ARM as its own principal (the real SDK against the ARM
 * emulator, through shared/egress/apply.ts and spec.ts: the same group layout and verification as direct mode, in
 * its own rule collection group). Destinations are validated by shared/egress/destinations.ts against the policy
 * subscription's FQDN tags.
 *
 * Test hooks: latency per call, a request log, and fault injection (429 with Retry-After, 5xx, failed operations),
 * programmatic or over `POST /_local/faults`. Bearer tokens are checked for the configured audience and lifetime
 * (locally they are the unsigned tokens of shared/azure/local-credential.ts: no signature to check).
 */
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyArmError } from '../../shared/azure/errors';
import { createFirewallAdapter } from '../../shared/azure/firewall-adapter';
import { staticTokenCredential } from '../../shared/azure/local-credential';
import { parseResourceId } from '../../shared/azure/resource-id';
import { applyPolicyWave, type PolicyWave } from '../../shared/egress/apply';
import { validateDestinations } from '../../shared/egress/destinations';
import type { FirewallPort } from '../../shared/egress/ports';
import type { EgressRule, RuleLocation } from '../../shared/egress/spec';
import type { Clock } from '../contract';
import { wallClock } from '../clock';

export const DEFAULT_PLATFORM_AUDIENCE = 'api://hubspoke-platform-egress';
/** The platform team's own identity in the ARM emulator (its writes carry it in events and logs). */
export const PLATFORM_OBJECT_ID = '9a7f0000-0000-4000-8000-000000000001';
export const PLATFORM_APP_ID = '9a7f0000-0000-4000-8000-0000000000a1';
export const PLATFORM_GROUP = { name: 'rcg-platform-egress', priority: 400 };
const MAX_BODY_BYTES = 64 * 1024;
const MAX_REQUESTS = 10_000;
const MAX_LOG = 5_000;
const REQUEST_ID = /^egr-[0-9a-f]{24}$/;

export interface PlatformApiEmulatorOptions {
  armEndpoint: string;
  caCertFile: string;
  tenantId: string;
  audience?: string;
  /** Added before every answer. */
  latencyMs?: number;
  /** How long an operation stays NotStarted before it runs. */
  operationDelayMs?: number;
  /** Retry-After (seconds) on 202s and running operations. */
  retryAfterSeconds?: number;
  clock?: Clock;
  /** For the ARM SDK's LRO polls. */
  updateIntervalInMs?: number;
}

export interface Fault {
  /** The answer instead of the contract's (429 gets Retry-After). */
  status: 429 | 500 | 502 | 503;
  /** How many calls get it. */
  times: number;
  /** Only calls whose `METHOD path` matches (e.g. `POST /apply`); default every call. */
  match?: string;
  retryAfterSeconds?: number;
}

export interface PlatformLogEntry {
  method: string;
  path: string;
  status: number;
}

interface StoredRequest {
  id: string;
  fingerprint: string;
  body: ContractRequest;
  rule: EgressRule;
  status: 'Recorded' | 'Applying' | 'Applied' | 'Revoking' | 'Revoked' | 'Withdrawn' | 'Failed';
  /** The decision the latest apply came with. */
  decision?: ContractDecision;
  location?: RuleLocation & { firewallPolicyId: string };
}

interface ContractDecision {
  approvedBy: string[];
  comment?: string;
  decidedAt: string;
}

interface ContractRequest {
  requestId: string;
  spokeVnetId: string;
  firewallPolicyId: string;
  sourceAddresses: string[];
  destinations: unknown[];
  justification: string;
  ttlDays: number;
  requestedBy: string;
}

interface Operation {
  id: string;
  status: 'NotStarted' | 'Running' | 'Succeeded' | 'Failed';
  requestId: string;
  action: 'apply' | 'revoke';
  error?: { title: string; status: number; detail: string };
}

export interface PlatformApiEmulator {
  url: string;
  audience: string;
  /** Every call with its answer's status, oldest first (bounded). */
  log: PlatformLogEntry[];
  count(method: string, pathPrefix: string, status?: number): number;
  /** A recorded request as `GET /v1/egress-requests/{id}` shows it (status, decision, rule). */
  lookup(id: string): (Record<string, unknown> & { status: string }) | undefined;
  inject(fault: Fault): void;
  /** The next `n` apply/revoke operations end Failed (nothing written). */
  failOperations(n: number): void;
  info(): Record<string, unknown>;
  stop(): Promise<void>;
}

class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

function sendProblem(res: ServerResponse, p: Problem): void {
  const text = JSON.stringify({ type: 'about:blank', title: p.title, status: p.status, detail: p.message });
  res.writeHead(p.status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(text), ...p.headers });
  res.end(text);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Problem(413, 'PayloadTooLarge', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (e) {
    throw new Problem(400, 'InvalidJson', `the body is not JSON: ${(e as Error).message}`);
  }
}

/** The token's claims, if it is a JWT for `audience` within its lifetime; else a 401 problem. */
function checkToken(header: string | undefined, audience: string, nowMs: number): void {
  const challenge = (error: string, detail: string) => new Problem(401, 'Unauthorized', detail, { 'www-authenticate': `Bearer error="${error}", error_description="${detail.replace(/"/g, "'")}"` });
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) throw challenge('invalid_request', 'an Authorization: Bearer token is required');
  const payload = match[1].split('.')[1];
  let claims: { aud?: unknown; exp?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { aud?: unknown; exp?: unknown };
  } catch {
    throw challenge('invalid_token', 'the token is not a JWT');
  }
  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!auds.includes(audience)) throw challenge('invalid_token', `the token's audience ${JSON.stringify(claims.aud)} is not ${audience}`);
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < nowMs) throw challenge('invalid_token', 'the token has expired');
}

function validateRequest(raw: unknown, fqdnTags: readonly string[]): { body: ContractRequest; rule: EgressRule } {
  const bad = (detail: string) => new Problem(400, 'InvalidRequest', detail);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad('the body must be an EgressRequest object');
  const b = raw as Record<string, unknown>;
  const allowed = ['requestId', 'spokeVnetId', 'firewallPolicyId', 'sourceAddresses', 'destinations', 'justification', 'ttlDays', 'requestedBy'];
  const unknown = Object.keys(b).filter((k) => !allowed.includes(k));
  if (unknown.length) throw bad(`unknown field(s): ${unknown.join(', ')}`);
  if (typeof b['requestId'] !== 'string' || !REQUEST_ID.test(b['requestId'])) throw bad('requestId must match ^egr-[0-9a-f]{24}$');
  for (const k of ['spokeVnetId', 'firewallPolicyId', 'requestedBy', 'justification'] as const) if (typeof b[k] !== 'string') throw bad(`${k} must be a string`);
  if (String(b['justification']).length > 1000) throw bad('justification must be at most 1000 characters');
  try {
    const policy = parseResourceId(String(b['firewallPolicyId']));
    if (policy.types[0]?.toLowerCase() !== 'firewallpolicies') throw new Error('not a firewall policy');
    parseResourceId(String(b['spokeVnetId']));
  } catch (e) {
    throw bad(`firewallPolicyId / spokeVnetId: ${(e as Error).message}`);
  }
  const strings = (k: string, min: number, max: number): string[] => {
    const v = b[k];
    if (!Array.isArray(v) || v.length < min || v.length > max || v.some((x) => typeof x !== 'string')) throw bad(`${k} must be ${min}-${max} strings`);
    return v as string[];
  };
  const sourceAddresses = strings('sourceAddresses', 1, 100);
  if (typeof b['ttlDays'] !== 'number' || !Number.isInteger(b['ttlDays']) || b['ttlDays'] < 1 || b['ttlDays'] > 365) throw bad('ttlDays must be an integer 1-365');
  if (!Array.isArray(b['destinations'])) throw bad('destinations must be an array');
  // The contract's ports are objects; shared/egress/destinations.ts reads "Protocol:port".
  const rawDestinations = (b['destinations'] as unknown[]).map((d) => {
    if (!d || typeof d !== 'object') return d;
    const { ports, ...rest } = d as { ports?: unknown };
    return Array.isArray(ports) ? { ...rest, ports: ports.map((p: { protocol?: unknown; port?: unknown } | null) => `${String(p?.protocol)}:${String(p?.port)}`) } : d;
  });
  const validated = validateDestinations(rawDestinations, fqdnTags);
  if (validated.problems.length) throw bad(`destinations: ${validated.problems.map((p) => `${p.index >= 0 ? `[${p.index}] ${p.destination}: ` : ''}${p.reason}`).join('; ')}`);
  const body = raw as ContractRequest;
  return { body, rule: { requestId: body.requestId, spokeVnetId: body.spokeVnetId, sourceAddresses, destinations: validated.destinations } };
}

/** The body of `/apply` (`Decision`): approvedBy 1-10 strings, comment <= 1000 characters, decidedAt a date-time. */
function validateDecision(raw: unknown): ContractDecision {
  const bad = (detail: string) => new Problem(400, 'InvalidDecision', detail);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad('the body must be a Decision object { approvedBy, comment?, decidedAt }');
  const b = raw as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !['approvedBy', 'comment', 'decidedAt'].includes(k));
  if (unknown.length) throw bad(`unknown field(s): ${unknown.join(', ')}`);
  const by = b['approvedBy'];
  if (!Array.isArray(by) || by.length < 1 || by.length > 10 || by.some((x) => typeof x !== 'string' || x.length === 0 || x.length > 200)) throw bad('approvedBy must be 1-10 non-empty strings');
  if (b['comment'] !== undefined && (typeof b['comment'] !== 'string' || b['comment'].length > 1000)) throw bad('comment must be a string of at most 1000 characters');
  if (typeof b['decidedAt'] !== 'string' || Number.isNaN(Date.parse(b['decidedAt']))) throw bad('decidedAt must be an RFC 3339 date-time');
  return { approvedBy: by as string[], ...(typeof b['comment'] === 'string' ? { comment: b['comment'] } : {}), decidedAt: b['decidedAt'] };
}

export async function startPlatformApiEmulator(options: PlatformApiEmulatorOptions): Promise<PlatformApiEmulator> {
  const clock = options.clock ?? wallClock;
  const audience = options.audience ?? DEFAULT_PLATFORM_AUDIENCE;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const ca = fs.readFileSync(options.caCertFile, 'utf8');
  const firewall: FirewallPort = createFirewallAdapter({
    credential: staticTokenCredential({ tenantId: options.tenantId, objectId: PLATFORM_OBJECT_ID, appId: PLATFORM_APP_ID }),
    clientOptions: { endpoint: options.armEndpoint, tlsOptions: { ca }, retryOptions: { retryDelayInMs: 5, maxRetries: 3 } },
    lro: { updateIntervalInMs: options.updateIntervalInMs ?? 10 },
  });
  const requests = new Map<string, StoredRequest>();
  /** Idempotency-Key -> the body's fingerprint. */
  const keys = new Map<string, string>();
  const operations = new Map<string, Operation>();
  const log: PlatformLogEntry[] = [];
  const faults: Fault[] = [];
  let failingOperations = 0;
  /** One write at a time per policy (a policy takes one update at a time). */
  const policyChains = new Map<string, Promise<void>>();
  const pending = new Set<() => void>();
  const delay = (ms: number) =>
    ms <= 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          let cancel: () => void = () => undefined;
          const done = () => {
            pending.delete(cancelAndResolve);
            resolve();
          };
          const cancelAndResolve = () => {
            cancel();
            resolve();
          };
          pending.add(cancelAndResolve);
          cancel = clock.schedule(clock.now() + ms, done);
        });

  const runOperation = async (op: Operation, stored: StoredRequest): Promise<void> => {
    await delay(options.operationDelayMs ?? 0);
    op.status = 'Running';
    const policyId = stored.body.firewallPolicyId;
    const key = policyId.toLowerCase();
    const previous = policyChains.get(key) ?? Promise.resolve();
    const run = previous.then(async () => {
      if (failingOperations > 0) {
        failingOperations -= 1;
        op.status = 'Failed';
        op.error = { title: 'InjectedFailure', status: 500, detail: `the ${op.action} of ${op.requestId} failed (injected): nothing was written` };
        stored.status = 'Failed';
        return;
      }
      const change = op.action === 'apply' ? { kind: 'upsert' as const, rule: stored.rule } : { kind: 'remove' as const, requestId: stored.id };
      const wave = await applyPolicyWave(firewall, policyId, [{ workId: op.id, change }], { ...PLATFORM_GROUP, mode: 'enforce' }).catch(
        (e: unknown): PolicyWave => ({
        results: [{ workId: op.id, ok: false, error: classifyArmError(e) }],
          writes: { puts: [], deletes: [] },
        }),
      );
      const result = wave.results[0];
      if (result?.ok) {
        op.status = 'Succeeded';
        stored.status = op.action === 'apply' ? 'Applied' : 'Revoked';
        if (result.location) stored.location = result.location;
        else delete stored.location;
      } else {
        op.status = 'Failed';
        op.error = { title: result?.error?.code ?? 'Unknown', status: result?.error?.statusCode ?? 500, detail: result?.error?.message ?? 'the write failed' };
        stored.status = 'Failed';
      }
    });
    policyChains.set(key, run.catch(() => undefined));
    await run;
  };

  const startOperation = (stored: StoredRequest, action: 'apply' | 'revoke', decision: ContractDecision | undefined, res: ServerResponse): void => {
    if (action === 'apply' && (stored.status === 'Applying' || stored.status === 'Revoking')) throw new Problem(409, 'Conflict', `request ${stored.id} is ${stored.status}`);
    if (action === 'apply' && stored.status === 'Withdrawn') throw new Problem(409, 'Conflict', `request ${stored.id} was withdrawn: submit a new request`);
    const op: Operation = { id: randomUUID(), status: 'NotStarted', requestId: stored.id, action };
    operations.set(op.id, op);
    // A revoke of a request never applied (still Recorded, or withdrawn before) withdraws it: nothing to write.
    if (action === 'revoke' && (stored.status === 'Recorded' || stored.status === 'Withdrawn')) {
      op.status = 'Succeeded';
      stored.status = 'Withdrawn';
      send(res, 202, op, { 'operation-location': `/v1/operations/${op.id}`, 'retry-after': retryAfter });
      return;
    }
    if (decision) stored.decision = decision;
    stored.status = action === 'apply' ? 'Applying' : 'Revoking';
    void runOperation(op, stored).catch((e: unknown) => {
      op.status = 'Failed';
      op.error = { title: 'InternalError', status: 500, detail: (e as Error).message };
    });
    send(res, 202, op, { 'operation-location': `/v1/operations/${op.id}`, 'retry-after': retryAfter });
  };

  const requestView = (s: StoredRequest) => ({
    id: s.id,
    status: s.status,
    ...(s.decision ? { decision: s.decision } : {}),
    ...(s.location ? { rule: { firewallPolicyId: s.location.firewallPolicyId, ruleCollectionGroup: s.location.ruleCollectionGroup, ruleCollection: s.location.ruleCollection, name: s.location.names[0] ?? s.id } } : {}),
  });

  const route = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const method = req.method ?? 'GET';
    if (method === 'POST' && path === '/_local/faults') {
      const body = (await readJson(req)) as Partial<Fault> & { failOperations?: number };
      if (typeof body.failOperations === 'number' && body.failOperations >= 0 && body.failOperations <= 100) failingOperations = body.failOperations;
      else if (body.status && [429, 500, 502, 503].includes(body.status) && typeof body.times === 'number' && body.times >= 1 && body.times <= 100) api.inject(body as Fault);
      else throw new Problem(400, 'InvalidFault', 'give { "status": 429|500|502|503, "times": 1-100, "match"?: "POST /apply" } or { "failOperations": 0-100 }');
      send(res, 200, { faults, failOperations: failingOperations });
      return;
    }
    // Against wall time, not the world's clock: the callers' tokens (shared/azure/local-credential.ts) are stamped with
    // Date.now(), as Entra stamps them with real time whatever a test does to the emulators' clock.
    checkToken(req.headers.authorization, audience, Date.now());
    const fault = faults.find((f) => !f.match || `${method} ${path}`.includes(f.match));
    if (fault) {
      fault.times -= 1;
      if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      throw new Problem(fault.status, fault.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable', `injected ${fault.status}`, fault.status === 429 ? { 'retry-after': String(fault.retryAfterSeconds ?? 1) } : {});
    }
    if (method === 'POST' && path === '/v1/egress-requests') {
      const key = req.headers['idempotency-key'];
      if (typeof key !== 'string' || key.length === 0 || key.length > 200) throw new Problem(400, 'IdempotencyKeyRequired', 'the Idempotency-Key header is required (at most 200 characters)');
      const raw = await readJson(req);
      const policyId = (raw as { firewallPolicyId?: unknown } | null)?.firewallPolicyId;
      const fqdnTags = typeof policyId === 'string' ? await firewall.listFqdnTags(parseResourceId(policyId).subscriptionId).catch(() => []) : [];
      const { body, rule } = validateRequest(raw, fqdnTags);
      if (key !== body.requestId && !key.startsWith(`${body.requestId}.`)) throw new Problem(400, 'IdempotencyKeyMismatch', `the Idempotency-Key must be the request ID ${body.requestId} (or {requestId}.r{n} for a revision)`);
      const fingerprint = createHash('sha256').update(JSON.stringify(body)).digest('hex');
      const seen = keys.get(key);
      if (seen !== undefined) {
        if (seen !== fingerprint) throw new Problem(422, 'IdempotencyKeyReused', `Idempotency-Key ${key} was used with another body`);
        const existing = requests.get(body.requestId);
        if (existing) send(res, 201, requestView(existing), { location: `/v1/egress-requests/${existing.id}` });
        else throw new Problem(404, 'NotFound', `no egress request ${body.requestId}`);
        return;
      }
      if (requests.size >= MAX_REQUESTS || keys.size >= 4 * MAX_REQUESTS) throw new Problem(507, 'Full', `the emulator holds ${MAX_REQUESTS} requests`);
      const existing = requests.get(body.requestId);
      // A new key for a recorded request is a revision (e.g. a new source): it replaces the request; the next apply writes it.
      if (existing && (existing.status === 'Applying' || existing.status === 'Revoking' || existing.status === 'Withdrawn')) throw new Problem(409, 'Conflict', `request ${body.requestId} is ${existing.status}`);
      const stored: StoredRequest = existing ? Object.assign(existing, { fingerprint, body, rule }) : { id: body.requestId, fingerprint, body, rule, status: 'Recorded' };
      keys.set(key, fingerprint);
      requests.set(stored.id, stored);
      send(res, 201, requestView(stored), { location: `/v1/egress-requests/${stored.id}` });
      return;
    }
    const op = /^\/v1\/operations\/([^/]+)$/.exec(path);
    if (op && method === 'GET') {
      const found = operations.get(decodeURIComponent(op[1] ?? ''));
      if (!found) throw new Problem(404, 'NotFound', `no operation ${op[1]}`);
      send(res, 200, found, found.status === 'NotStarted' || found.status === 'Running' ? { 'retry-after': retryAfter } : {});
      return;
    }
    const m = /^\/v1\/egress-requests\/([^/]+)(?:\/(apply|revoke))?$/.exec(path);
    if (m) {
      const stored = requests.get(decodeURIComponent(m[1] ?? ''));
      if (!stored) throw new Problem(404, 'NotFound', `no egress request ${m[1]}`);
      if (!m[2] && method === 'GET') return send(res, 200, requestView(stored));
      if (m[2] === 'apply' && method === 'POST') return startOperation(stored, 'apply', validateDecision(await readJson(req)), res);
      if (m[2] === 'revoke' && method === 'POST') return startOperation(stored, 'revoke', undefined, res);
    }
    throw new Problem(404, 'NotFound', `no route ${method} ${path}`);
  };

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const record = () => {
      log.push({ method: req.method ?? 'GET', path, status: res.statusCode });
      if (log.length > MAX_LOG) log.splice(0, log.length - MAX_LOG);
    };
    res.on('finish', record);
    void delay(options.latencyMs ?? 0)
      .then(() => route(req, res, path))
      .catch((e: unknown) => sendProblem(res, e instanceof Problem ? e : new Problem(500, 'InternalError', (e as Error).message)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const api: PlatformApiEmulator = {
    url,
    audience,
    log,
    lookup: (id) => {
      const found = requests.get(id);
      return found ? requestView(found) : undefined;
    },
    count: (method, pathPrefix, status) => log.filter((e) => e.method === method && e.path.startsWith(pathPrefix) && (status === undefined || e.status === status)).length,
    inject: (fault) => faults.push({ ...fault }),
    failOperations: (n) => {
      failingOperations = n;
    },
    info: () => ({ url, audience, principal: { objectId: PLATFORM_OBJECT_ID, appId: PLATFORM_APP_ID }, ruleCollectionGroup: PLATFORM_GROUP, requests: requests.size, calls: log.length, faultsUrl: `${url}/_local/faults` }),
    async stop() {
      for (const cancel of [...pending]) cancel();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...policyChains.values()]);
    },
  };
  return api;
}
