/** Shared setup for the ARM emulator integration tests: real SDK clients over HTTPS with the emulator's CA. */
import { request } from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import { NetworkManagementClient } from '@azure/arm-network';
import { PrivateDnsManagementClient } from '@azure/arm-privatedns';

export const SUB = '00000000-1111-2222-3333-444444444444';

/** A fixed bearer token shaped like a JWT so the emulator can read oid/tid. */
export const credential: TokenCredential = {
  getToken: async () => ({
    token: `e30.${Buffer.from(JSON.stringify({ oid: 'test-principal', tid: 'test-tenant' })).toString('base64url')}.sig`,
    expiresOnTimestamp: Date.now() + 3_600_000,
  }),
};

/** Fast retries so injected 429/5xx keep tests short. */
export const retryOptions = { retryDelayInMs: 5, maxRetryDelayInMs: 20 };
export const poll = { updateIntervalInMs: 5 };

export function networkClient(endpoint: string, ca: string): NetworkManagementClient {
  return new NetworkManagementClient(credential, SUB, { endpoint, tlsOptions: { ca }, retryOptions });
}

export function dnsClient(endpoint: string, ca: string): PrivateDnsManagementClient {
  return new PrivateDnsManagementClient(credential, SUB, { endpoint, tlsOptions: { ca }, retryOptions });
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** A raw HTTPS call (to inspect wire bodies and headers the SDK hides). */
export function raw(
  endpoint: string,
  ca: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; auth?: boolean } = {},
): Promise<RawAnswer> {
  const url = new URL(path, endpoint);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca,
        headers: {
          ...(options.auth === false ? {} : { authorization: 'Bearer opaque-token' }),
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined });
        });
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export const vnetPath = (rg: string, name: string): string =>
  `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;

export const vnetId = vnetPath;

/** Reads `error.code` of an SDK RestError (by name, as the SDK guidelines say). */
export async function errorOf(promise: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name?: string; statusCode?: number; code?: string; message: string };
    return { statusCode: e.statusCode, code: e.code, message: e.message };
  }
  throw new Error('expected the call to fail, it succeeded');
}
