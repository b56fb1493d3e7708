/**
 * The soak's stamps: the demo's five stamps (`LOCAL_DEMO_STAMPS`: origin group `og-payments` of `afd-payments` with
 * weu-1, weu-2, neu-1; classic `fd-payments-legacy` with legacy-weu, legacy-neu) each get one seeded episode while the
 * resource events run: an unhealthy signal (its local health endpoint answering 503, timing out or refusing; a Health
 * Resources `Unavailable` event; an Azure Monitor alert `Fired` through the secure webhook), a wait until Front Door
 * shows the origin `Disabled`, then the signal cleared (200, `Available`, `Resolved`) and a wait until the stamp is
 * `Healthy` and `Enabled` again. One stamp, seeded, is pinned out instead and stays out: its intended final state is
 * `PinnedOut` / `Disabled`, every other stamp's `Healthy` / `Enabled`.
 *
 * Episodes of one origin group run one after the other (the group's hard limit holds a second stamp in while one is
 * out: `maxEjectedFraction` of three, or of two, is one), the two groups side by side. Each stamp goes out once per
 * run, so its minimum ejection time is the policy's `minEjectionSeconds` (30 s in the demo) and a clean run makes
 * exactly two Front Door writes per episode (Disabled, Enabled) and one for the pin: the baseline the chaos run's
 * writes are compared with, per origin.
 */
import type { TokenCredential } from '@azure/core-auth';
import { CdnManagementClient } from '@azure/arm-cdn';
import { FrontDoorManagementClient } from '@azure/arm-frontdoor';
import { seeded } from '../../local/arm/lockConflicts';
import type { LocalInfo } from '../../local/cli/environment';
import { DEMO_EDGE_RESOURCE_GROUP, DEMO_FRONT_DOORS, DEMO_STAMP_SUBSCRIPTION, DEMO_STAMPS } from '../../local/demo/stamps';
import { LOCAL_CLI_APP_ID, LOCAL_USER_OBJECT_ID } from '../../local/identity/clients';
import { staticTokenCredential } from '../../shared/azure/local-credential';
import { readFileSync } from 'node:fs';

export type StampSignal = 'probe-503' | 'probe-timeout' | 'probe-refuse' | 'health-event' | 'alert' | 'pin-out';
const SIGNALS: StampSignal[] = ['probe-503', 'probe-timeout', 'probe-refuse', 'health-event', 'alert'];

export interface StampEpisode {
  stamp: string;
  group: string;
  signal: StampSignal;
  /** Front Door's intended `enabledState` of the stamp's origin at the end. */
  final: 'Enabled' | 'Disabled';
}

const groupOf = (stamp: (typeof DEMO_STAMPS)[number]): string => ('originGroup' in stamp.origin ? `${stamp.origin.frontDoor}/${stamp.origin.originGroup}` : `${stamp.origin.frontDoor}/${stamp.origin.backendPool}`);

/** The seeded stamp episodes: pure, so every run of a seed gets the same ones (in the order each group runs them). */
export function planStamps(seed: number): StampEpisode[] {
  const random = seeded((seed ^ 0x5a3b) >>> 0);
  const pinned = DEMO_STAMPS[Math.floor(random() * DEMO_STAMPS.length)]?.name;
  const episodes: StampEpisode[] = [];
  for (const group of [...new Set(DEMO_STAMPS.map(groupOf))]) {
    const members = DEMO_STAMPS.filter((s) => groupOf(s) === group).map((s) => s.name);
    // A seeded order (Fisher-Yates), the pinned stamp last: it stays out, so nothing of its group may follow it.
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j] as string, members[i] as string];
    }
    members.sort((a, b) => Number(a === pinned) - Number(b === pinned));
    for (const stamp of members) {
      const signal = stamp === pinned ? 'pin-out' : (SIGNALS[Math.floor(random() * SIGNALS.length)] as StampSignal);
      episodes.push({ stamp, group, signal, final: stamp === pinned ? 'Disabled' : 'Enabled' });
    }
  }
  return episodes;
}

// ------------------------------------------------------------------------------------------------ the operator API

const OPERATOR = { oid: '50a50000-0000-4000-8000-000000000002', name: 'Soak operator', roles: ['ControlPlane.Operator'] };

/** The control plane's HTTP API as an operator (a bearer token of the local issuer, fetched again after a 401). */
export class Api {
  private token: Promise<string> | undefined;
  baseUrl = '';

  connect(baseUrl: string): void {
    this.baseUrl = baseUrl;
    this.token = undefined;
  }

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const send = async (): Promise<Response> => {
      this.token ??= this.newToken();
      return fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${await this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    };
    let response = await send();
    if (response.status === 401) {
      this.token = undefined;
      response = await send();
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the text
    }
    return { status: response.status, body: parsed };
  }

  private async newToken(): Promise<string> {
    const response = await fetch(`${this.baseUrl}/api/local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(OPERATOR) });
    if (!response.ok) {
      this.token = undefined;
      throw new Error(`POST /api/local/token answered ${response.status}`);
    }
    return ((await response.json()) as { access_token: string }).access_token;
  }
}

// ------------------------------------------------------------------------------------------------ the driver

export interface StampRecord {
  name: string;
  state?: string;
  why?: string;
  frontDoor?: { enabledState?: string };
  pin?: { mode?: string } | null;
  condition?: { reason?: string; message?: string };
  ejectionCount?: number;
}

export interface EpisodeResult {
  episode: StampEpisode;
  /** Seconds until Front Door showed the origin Disabled (undefined: not within the wait). */
  outAfterS: number | undefined;
  /** Seconds from the clear until the stamp was Healthy and Enabled (undefined: not within the wait, or pinned). */
  backAfterS: number | undefined;
  last: StampRecord | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const OUT_WAIT_MS = 180_000;
const BACK_WAIT_MS = 360_000;

export class StampDriver {
  /** Each stamp's health endpoint answer as the driver set it: the endpoints live in the control plane's process, so a restart resets them to 200. */
  private readonly answers = new Map<string, number | 'timeout' | 'refuse'>();
  readonly results: EpisodeResult[] = [];
  calls = 0;
  retries = 0;

  constructor(
    private readonly api: Api,
    /** Resolves when the control plane is up (the soak's kill -9 pauses the drivers). */
    private readonly up: () => Promise<void>,
  ) {}

  /** Runs every episode, one group's after the other's in each group, the groups side by side. */
  async run(episodes: StampEpisode[]): Promise<void> {
    const groups = [...new Set(episodes.map((e) => e.group))];
    await Promise.all(
      groups.map(async (group) => {
        for (const episode of episodes.filter((e) => e.group === group)) this.results.push(await this.episode(episode));
      }),
    );
  }

  /**
   * After a restart, while the drivers are still paused (so not gated on `up`): the health endpoints answer 200
   * again; set back what the driver had set.
   */
  async reapply(): Promise<void> {
    for (const [stamp, status] of this.answers) if (status !== 200) await this.send('PUT', `/api/local/stamps/${stamp}/health`, { status }, false);
  }

  private async episode(episode: StampEpisode): Promise<EpisodeResult> {
    const { stamp, signal } = episode;
    const started = Date.now();
    await this.signal(stamp, signal, true);
    const out = await this.waitFor(stamp, (r) => r.frontDoor?.enabledState === 'Disabled' && (signal !== 'pin-out' || r.condition?.reason === 'PinnedOut'), OUT_WAIT_MS);
    const outAfterS = out.ok ? (Date.now() - started) / 1000 : undefined;
    if (signal === 'pin-out') return { episode, outAfterS, backAfterS: undefined, last: out.last };
    const cleared = Date.now();
    await this.signal(stamp, signal, false);
    const back = await this.waitFor(stamp, (r) => r.state === 'Healthy' && r.frontDoor?.enabledState === 'Enabled', BACK_WAIT_MS);
    return { episode, outAfterS, backAfterS: back.ok ? (Date.now() - cleared) / 1000 : undefined, last: back.last };
  }

  private async signal(stamp: string, signal: StampSignal, unhealthy: boolean): Promise<void> {
    const local = `/api/local/stamps/${stamp}`;
    if (signal.startsWith('probe-')) {
      const status = unhealthy ? (signal === 'probe-503' ? 503 : signal === 'probe-timeout' ? 'timeout' : 'refuse') : 200;
      this.answers.set(stamp, status);
      await this.send('PUT', `${local}/health`, { status });
    } else if (signal === 'health-event') {
      await this.send('POST', `${local}/health-event`, { availabilityState: unhealthy ? 'Unavailable' : 'Available' });
    } else if (signal === 'alert') {
      await this.send('POST', `${local}/alert`, { condition: unhealthy ? 'Fired' : 'Resolved', rule: 'soak-5xx' });
    } else {
      await this.send('POST', `/api/stamps/${stamp}/pin`, { mode: unhealthy ? 'out' : 'auto', reason: 'soak: maintenance' });
    }
  }

  /** One call until the control plane took it (2xx): a person retries across the kill. */
  private async send(method: string, path: string, body: unknown, gated = true): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (gated) await this.up();
      this.calls += 1;
      const answer = await this.api.call(method, path, body).catch((e: unknown) => ({ status: 0, body: (e as Error).message }));
      if (answer.status >= 200 && answer.status < 300) return;
      if (attempt >= 40) throw new Error(`${method} ${path} answered ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 300)} ${attempt} times`);
      this.retries += 1;
      await sleep(Math.min(5000, 250 * attempt));
    }
  }

  private async waitFor(stamp: string, done: (r: StampRecord) => boolean, timeoutMs: number): Promise<{ ok: boolean; last: StampRecord | undefined }> {
    const deadline = Date.now() + timeoutMs;
    let last: StampRecord | undefined;
    while (Date.now() < deadline) {
      await this.up();
      const answer = await this.api.call('GET', `/api/stamps/${stamp}`).catch(() => undefined);
      if (answer?.status === 200) {
        last = answer.body as StampRecord;
        if (done(last)) return { ok: true, last };
      }
      await sleep(500);
    }
    return { ok: false, last };
  }
}

// ------------------------------------------------------------------------------------------------ verification

export interface StampFinding {
  resource: string;
  lost: boolean;
  reason: string;
  record: unknown;
}

/** Front Door's `enabledState` of each demo stamp's origin, read from ARM through the real SDK clients (as a person). */
export async function frontDoorStates(info: LocalInfo, tenantId: string): Promise<Map<string, string | undefined>> {
  const credential: TokenCredential = staticTokenCredential({ tenantId, objectId: LOCAL_USER_OBJECT_ID, appId: LOCAL_CLI_APP_ID });
  const options = { endpoint: info.arm.endpoint, tlsOptions: { ca: readFileSync(info.arm.caCertFile, 'utf8') } };
  const cdn = new CdnManagementClient(credential, DEMO_STAMP_SUBSCRIPTION, options);
  const classic = new FrontDoorManagementClient(credential, DEMO_STAMP_SUBSCRIPTION, options);
  const states = new Map<string, string | undefined>();
  const legacy = await classic.frontDoors.get(DEMO_EDGE_RESOURCE_GROUP, DEMO_FRONT_DOORS.classic.name);
  for (const stamp of DEMO_STAMPS) {
    if ('originGroup' in stamp.origin) {
      const origin = await cdn.afdOrigins.get(DEMO_EDGE_RESOURCE_GROUP, stamp.origin.frontDoor, stamp.origin.originGroup, stamp.origin.origin);
      states.set(stamp.name, origin.enabledState);
    } else {
      const { backendPool, backendAddress } = stamp.origin;
      const pool = legacy.backendPools?.find((p) => p.name === backendPool);
      states.set(stamp.name, pool?.backends?.find((b) => b.address === backendAddress)?.enabledState);
    }
  }
  return states;
}

/** Each stamp against its intended final state: the record (state, or PinnedOut) and Front Door in ARM. */
export async function verifyStamps(api: Api, info: LocalInfo, tenantId: string, episodes: StampEpisode[]): Promise<{ checked: number; converged: number; findings: StampFinding[] }> {
  const arm = await frontDoorStates(info, tenantId);
  const records = new Map<string, StampRecord>();
  for (const e of episodes) {
    const answer = await api.call('GET', `/api/stamps/${e.stamp}`);
    if (answer.status === 200) records.set(e.stamp, answer.body as StampRecord);
  }
  const findings: StampFinding[] = [];
  let converged = 0;
  for (const e of episodes) {
    const record = records.get(e.stamp);
    const armState = arm.get(e.stamp);
    const recordOk = e.final === 'Disabled' ? record?.condition?.reason === 'PinnedOut' : record?.state === 'Healthy' && record.condition?.reason === 'Healthy';
    const armOk = armState === e.final;
    if (recordOk && armOk) converged += 1;
    else {
      findings.push({
        resource: `stamp ${e.stamp}`,
        lost: !armOk,
        reason: armOk
          ? `record ${record?.state ?? 'missing'} / ${record?.condition?.reason ?? '-'}, wanted ${e.final === 'Disabled' ? 'PinnedOut' : 'Healthy'}`
          : `Front Door shows ${armState ?? 'nothing'}, wanted ${e.final}`,
        record,
      });
    }
  }
  return { checked: episodes.length, converged, findings };
}
