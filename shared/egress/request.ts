/**
 * An egress request and its lifecycle, as pure rules (table-tested in test/unit/egress/request.test.ts): the body of
 * `POST /api/egress-requests` checked into a request (a 400 problem names every bad field and each bad destination),
 * idempotency (the same key and body -> the same answer, the same key with another body -> 422), the states and
 * which moves between them are allowed, and who may decide (the Egress.Approver role, never the requester, two
 * distinct approvers for a wildcard over a shared multi-tenant suffix, a decision only while one is awaited -> 409).
 */
import { createHash } from 'node:crypto';
import { covers, validateDestinations, type Destination, type DestinationProblem } from './destinations';
import { fingerprintOf } from './spec';

export const EGRESS_STATES = ['PendingApproval', 'Approved', 'Applying', 'Active', 'AlreadyAllowed', 'Rejected', 'Expired', 'Revoking', 'Revoked', 'Failed'] as const;
export type EgressState = (typeof EGRESS_STATES)[number];

/** States a request never leaves. */
export const FINAL_STATES: ReadonlySet<EgressState> = new Set(['AlreadyAllowed', 'Rejected', 'Expired', 'Revoked', 'Failed']);

/** The moves the orchestration makes; anything else is a bug (or a stale writer) and is refused. */
const MOVES: Record<EgressState, readonly EgressState[]> = {
  PendingApproval: ['Approved', 'Rejected', 'Expired', 'AlreadyAllowed', 'Failed', 'Revoked'],
  Approved: ['Applying', 'Failed', 'Revoked'],
  Applying: ['Active', 'Failed'],
  Active: ['Revoking', 'Applying'],
  Revoking: ['Revoked', 'Failed'],
  AlreadyAllowed: [],
  Rejected: [],
  Expired: [],
  Revoked: [],
  Failed: [],
};

export function canMove(from: EgressState, to: EgressState): boolean {
  return MOVES[from].includes(to);
}

export const MAX_JUSTIFICATION = 1_000;
export const MAX_IDEMPOTENCY_KEY = 200;

export interface EgressRequestBody {
  spokeVnetId: string;
  destinations: Destination[];
  justification: string;
  ttlDays: number;
  /** 2 when a wildcard covers a shared multi-tenant suffix. */
  approvalsRequired: number;
  notes: string[];
}

/** An RFC 9457 problem: what the API answers with `Content-Type: application/problem+json`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** Each bad field, by JSON pointer-ish name. */
  errors?: Array<{ field: string; message: string }>;
  /** Each bad destination: its index, what was sent, why it is refused. */
  invalidDestinations?: DestinationProblem[];
}

export function problem(status: number, title: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: `https://hubspoke.dev/problems/${title.replace(/\s+/g, '-').toLowerCase()}`, title, status, detail, ...extra };
}

const VNET_ID = /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[-\w._()]{1,90}\/providers\/Microsoft\.Network\/virtualNetworks\/[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/i;
const ALLOWED_FIELDS = ['spokeVnetId', 'destinations', 'justification', 'ttlDays'];

/** Checks a request body; the 400 problem names every bad field and each bad destination with its reason. */
export function parseRequestBody(body: unknown, options: { fqdnTags: readonly string[]; defaultTtlDays: number }): { ok: true; value: EgressRequestBody } | { ok: false; problem: Problem } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, problem: problem(400, 'Invalid request', 'the body must be a JSON object with spokeVnetId, destinations, justification and ttlDays') };
  }
  const b = body as Record<string, unknown>;
  const errors: Array<{ field: string; message: string }> = [];
  const unknown = Object.keys(b).filter((k) => !ALLOWED_FIELDS.includes(k));
  if (unknown.length > 0) errors.push({ field: unknown.join(', '), message: `unknown field(s); allowed: ${ALLOWED_FIELDS.join(', ')}` });
  const spokeVnetId = b['spokeVnetId'];
  if (typeof spokeVnetId !== 'string' || !VNET_ID.test(spokeVnetId)) {
    errors.push({ field: 'spokeVnetId', message: 'must be a virtual network ID: /subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}' });
  }
  const justification = b['justification'];
  if (typeof justification !== 'string' || justification.trim() === '') errors.push({ field: 'justification', message: 'must say why the destinations are needed' });
  else if (justification.length > MAX_JUSTIFICATION) errors.push({ field: 'justification', message: `is ${justification.length} characters; at most ${MAX_JUSTIFICATION}` });
  const rawTtl = b['ttlDays'];
  const ttlDays = rawTtl === undefined ? options.defaultTtlDays : rawTtl;
  if (typeof ttlDays !== 'number' || !Number.isInteger(ttlDays) || ttlDays < 1 || ttlDays > 365) errors.push({ field: 'ttlDays', message: 'must be a whole number of days from 1 to 365' });
  const checked = validateDestinations(b['destinations'], options.fqdnTags);
  const listProblem = checked.problems.find((p) => p.index < 0);
  if (listProblem) errors.push({ field: 'destinations', message: listProblem.reason });
  const invalidDestinations = checked.problems.filter((p) => p.index >= 0);
  if (errors.length > 0 || invalidDestinations.length > 0) {
    const parts = [...errors.map((e) => `${e.field}: ${e.message}`), ...invalidDestinations.map((d) => `destinations[${d.index}] ${d.destination}: ${d.reason}`)];
    return {
      ok: false,
      problem: problem(400, 'Invalid request', parts.join('; '), { ...(errors.length ? { errors } : {}), ...(invalidDestinations.length ? { invalidDestinations } : {}) }),
    };
  }
  return {
    ok: true,
    value: { spokeVnetId: spokeVnetId as string, destinations: checked.destinations, justification: (justification as string).trim(), ttlDays: ttlDays as number, approvalsRequired: checked.approvalsRequired, notes: checked.notes },
  };
}

/**
 * The request ID for an idempotency key: the key is scoped to the caller (`oid`), so two callers' keys never
 * collide. No `/ \ # ?` (a Durable instance ID) and no dot (rule names use `{id}.N`).
 */
export function requestIdFor(callerOid: string, idempotencyKey: string): string {
  return `egr-${createHash('sha256').update(`${callerOid.toLowerCase()}|${idempotencyKey}`).digest('hex').slice(0, 24)}`;
}

export function checkIdempotencyKey(key: string | null): { ok: true; key: string } | { ok: false; problem: Problem } {
  if (!key || key.trim() === '') return { ok: false, problem: problem(400, 'Idempotency key required', 'send an Idempotency-Key header (e.g. a new UUID per request) so a retry does not make a second request') };
  if (key.length > MAX_IDEMPOTENCY_KEY) return { ok: false, problem: problem(400, 'Invalid idempotency key', `the Idempotency-Key header is ${key.length} characters; at most ${MAX_IDEMPOTENCY_KEY}`) };
  return { ok: true, key: key.trim() };
}

/** The fingerprint of what a body asks for: equal bodies (after normalization) have equal fingerprints. */
export function bodyFingerprint(body: EgressRequestBody): string {
  return fingerprintOf(body);
}

/** A repeated key: the same body gets the first answer again, another body 422. */
export function replayOrConflict(stored: { fingerprint: string }, fingerprint: string): 'replay' | 'conflict' {
  return stored.fingerprint === fingerprint ? 'replay' : 'conflict';
}

export interface Decision {
  verdict: 'approve' | 'reject';
  comment: string;
  by: string;
  byName?: string;
  at: string;
  /** The request's fingerprint when decided (what the approver saw). */
  fingerprint: string;
}

export interface DecisionState {
  status: EgressState;
  requestedBy: string;
  approvalsRequired: number;
  decisions: Decision[];
}

export type DecisionCheck = { ok: true } | { ok: false; status: 403 | 409; problem: Problem };

/** Whether `caller` may decide now: 403 for the requester, 409 when no decision is awaited or they decided already. */
export function checkDecision(request: DecisionState, caller: string): DecisionCheck {
  if (caller.toLowerCase() === request.requestedBy.toLowerCase()) {
    return { ok: false, status: 403, problem: problem(403, 'Self approval', 'the requester cannot decide on their own request') };
  }
  if (request.status !== 'PendingApproval') {
    return { ok: false, status: 409, problem: problem(409, 'Not awaiting a decision', `the request is ${request.status}; decisions are taken only while it is PendingApproval`) };
  }
  if (request.decisions.some((d) => d.by.toLowerCase() === caller.toLowerCase())) {
    return { ok: false, status: 409, problem: problem(409, 'Already decided', 'this approver has already decided on the request; another approver must decide') };
  }
  return { ok: true };
}

/** What the decisions so far mean: a rejection ends it; approvals count once per distinct approver. */
export function verdictOf(request: Pick<DecisionState, 'approvalsRequired' | 'decisions'>): 'approved' | 'rejected' | 'pending' {
  if (request.decisions.some((d) => d.verdict === 'reject')) return 'rejected';
  const approvers = new Set(request.decisions.filter((d) => d.verdict === 'approve').map((d) => d.by.toLowerCase()));
  return approvers.size >= request.approvalsRequired ? 'approved' : 'pending';
}

/**
 * Destinations of `wanted` that the spoke's Active rules (`allowed`) do not already cover; none left means the
 * request needs no approval (AlreadyAllowed).
 */
export function notYetAllowed(allowed: readonly Destination[], wanted: readonly Destination[]): Destination[] {
  return wanted.filter((w) => !covers(allowed, w));
}
