/**
 * What the CLI talks to once it has found the control plane: its HTTP API (with the function key when one is
 * enforced) and the ARM emulator through the real SDK clients, trusting the emulator's CA per client exactly as the
 * app does (shared/azure/clients.ts).
 */
import { readFileSync } from 'node:fs';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import type { TokenCredential } from '@azure/core-auth';
import { z } from 'zod';
import { staticTokenCredential } from '../../shared/azure/local-credential';
import { LOCAL_CLI_APP_ID, LOCAL_USER_OBJECT_ID } from '../identity/clients';


/** The parts of `/api/local/info` the CLI reads (the document has more; later flows add sections). */
export const infoSchema = z.object({
  host: z.object({ baseUrl: z.string(), keys: z.object({ function: z.boolean() }).loose() }).loose(),
  arm: z.object({ endpoint: z.string(), caCertFile: z.string(), timeScale: z.number() }).loose(),
  subscriptions: z.object({ connectivity: z.string(), watched: z.array(z.string()) }).loose(),
  // The configured hubs, or why the control plane's configuration cannot be read (the ARM emulator still works).
  hubs: z.union([
    z.array(z.object({ region: z.string(), vnetId: z.string(), addressPrefixes: z.array(z.string()), hasGateway: z.boolean() }).loose()),
    z.object({ error: z.string(), problems: z.array(z.string()) }).loose(),
  ]),
  privateDns: z.object({ resourceGroupId: z.string(), zones: z.array(z.string()) }).loose(),
  controlPlane: z.object({ mode: z.string().optional(), problems: z.array(z.string()).optional() }).loose().optional(),
  auth: z.object({ issuer: z.string(), audience: z.string(), tokenUrl: z.string(), tenantId: z.string().optional() }).loose().optional(),
});

export type LocalInfo = z.infer<typeof infoSchema>;

/** An answer that is not what the command needed: printed as is, exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

const REQUEST_TIMEOUT_MS = 30_000;

export async function fetchInfo(baseUrl: string): Promise<LocalInfo> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/api/local/info`, { signal: AbortSignal.timeout(5_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(cause?.code === 'ECONNREFUSED' ? 'nothing listens there' : cause?.message ?? (e as Error).message);
  }
  if (!response.ok) throw new Error(`GET /api/local/info answered ${response.status}; is this the embedded default (npm start)?`);
  const parsed = infoSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new Error('GET /api/local/info did not answer the embedded default\'s discovery document.');
  return parsed.data;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** The role the CLI's own token carries for the operator routes: it reads and acts (reconcile, delete, pin). */
export const CLI_OPERATOR_ROLES = ['ControlPlane.Operator'];

/**
 * The control plane's HTTP API. Error answers become {@link CliError} with the API's own message. Calls to the
 * operator routes (any /api/ path but /api/local/) carry a bearer token from the local issuer for the local user with
 * {@link CLI_OPERATOR_ROLES}, fetched once, unless the call brings its own Authorization header (the egress commands).
 */
export class ControlPlaneApi {
  private operatorToken: Promise<string> | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly key: string | undefined,
    private readonly keysEnforced: boolean,
    /** The local issuer's token URL (/api/local/info's auth.tokenUrl), when it publishes one. */
    private readonly tokenUrl?: string,
  ) {}

  private async bearer(): Promise<string> {
    this.operatorToken ??= this.post(new URL(this.tokenUrl ?? '').pathname, { oid: LOCAL_USER_OBJECT_ID, name: 'local operator (CLI)', roles: CLI_OPERATOR_ROLES }).then((answer) => {
      const token = (answer.body as { access_token?: unknown } | undefined)?.access_token;
      if (typeof token !== 'string') throw new CliError('the token issuer answered without an access_token.');
      return token;
    });
    this.operatorToken.catch(() => (this.operatorToken = undefined));
    return this.operatorToken;
  }

  async request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, accept: number[] = [], extraHeaders: Record<string, string> = {}): Promise<ApiAnswer> {
    const headers: Record<string, string> = { ...extraHeaders };
    const operatorRoute = path.startsWith('/api/') && !path.startsWith('/api/local/');
    if (operatorRoute && this.tokenUrl && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers.authorization = `Bearer ${await this.bearer()}`;
    if (this.key) headers['x-functions-key'] = this.key;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (e) {
      throw new CliError(`${method} ${path} failed: ${(e as Error).message} (is the control plane still running?)`);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    if (response.ok || accept.includes(response.status)) return { status: response.status, body: parsed };
    if (response.status === 401 && this.keysEnforced && !this.key) {
      throw new CliError(`${method} ${path} answered 401: the host enforces function keys; pass --key or set HUBSPOKE_FUNCTION_KEY (LOCAL_FUNCTION_KEY or LOCAL_MASTER_KEY).`);
    }
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    // RFC 9457 problems (the egress API) carry title and detail.
    const problem = parsed as { title?: unknown; detail?: unknown } | undefined;
    if (!error && typeof problem?.title === 'string') throw new CliError(`${method} ${path} answered ${response.status} ${problem.title}: ${String(problem.detail ?? '')}`);
    throw new CliError(`${method} ${path} answered ${response.status}${error ? ` ${error.code ?? ''}: ${error.message ?? ''}` : `: ${text.slice(0, 500)}`}`);
  }

  async get(path: string, accept: number[] = []): Promise<ApiAnswer> {
    return this.request('GET', path, undefined, accept);
  }

  async post(path: string, body?: unknown): Promise<ApiAnswer> {
    return this.request('POST', path, body);
  }

  async put(path: string, body?: unknown): Promise<ApiAnswer> {
    return this.request('PUT', path, body);
  }
}

/**
 * The ARM emulator through the real SDK clients, one per subscription, trusting its CA. The SDK modules load only
 * when a command needs ARM (@azure/arm-network alone takes over a second to load).
 */
export class ArmClients {
  private readonly network = new Map<string, NetworkManagementClient>();
  private readonly dns = new Map<string, PrivateDnsManagementClient>();

  private constructor(
    private readonly sdk: { Network: typeof NetworkManagementClient; Dns: typeof PrivateDnsManagementClient },
    private readonly credential: TokenCredential,
    private readonly options: { endpoint: string; tlsOptions: { ca: string }; retryOptions: { maxRetries: number } },
    /** LRO poll interval at the emulator's pace (the SDK would otherwise poll every ~2 s when Retry-After rounds to 0). */
    readonly lro: { updateIntervalInMs: number },
  ) {}

  static async create(info: LocalInfo, tenantId: string): Promise<ArmClients> {
    let ca: string;
    try {
      ca = readFileSync(info.arm.caCertFile, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read the ARM emulator's CA certificate ${info.arm.caCertFile}: ${(e as Error).message}`);
    }
    const [network, dns] = await Promise.all([import('@azure/arm-network'), import('@azure/arm-privatedns')]);
    return new ArmClients(
      { Network: network.NetworkManagementClient, Dns: dns.PrivateDnsManagementClient },
      staticTokenCredential({ tenantId, objectId: LOCAL_USER_OBJECT_ID, appId: LOCAL_CLI_APP_ID }),
      { endpoint: info.arm.endpoint, tlsOptions: { ca }, retryOptions: { maxRetries: 3 } },
      { updateIntervalInMs: Math.max(10, Math.round(1000 * info.arm.timeScale)) },
    );
  }

  networkClient(subscriptionId: string): NetworkManagementClient {
    let client = this.network.get(subscriptionId);
    if (!client) {
      client = new this.sdk.Network(this.credential, subscriptionId, this.options);
      this.network.set(subscriptionId, client);
    }
    return client;
  }

  dnsClient(subscriptionId: string): PrivateDnsManagementClient {
    let client = this.dns.get(subscriptionId);
    if (!client) {
      client = new this.sdk.Dns(this.credential, subscriptionId, this.options);
      this.dns.set(subscriptionId, client);
    }
    return client;
  }
}

/** An ARM error as one line: `Code: message` (the SDK's RestError carries `code` and `statusCode`). */
export function armErrorMessage(error: unknown): string {
  const e = error as { code?: unknown; statusCode?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(error);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}

export function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: unknown }).statusCode === 404;
}
