/**
 * Credentials and client options for every ARM client, from the configuration. In Azure: DefaultAzureCredential
 * (the app's managed identity), with each token request bounded by a timeout because it can hang when a metadata
 * endpoint never answers. Locally: the emulator's endpoint and CA, and a static token; DefaultAzureCredential is
 * never built there.
 */
import { readFileSync } from 'node:fs';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { DefaultAzureCredential } from '@azure/identity';
import type { ArmSettings } from '../config';
import { recordArmResponse } from '../telemetry';
import { retryAfterMs } from './errors';
import { staticTokenCredential } from './local-credential';

const TOKEN_TIMEOUT_MS = 30_000;

function withTimeout(credential: TokenCredential, timeoutMs: number): TokenCredential {
  return {
    getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Getting an access token for ${String(scopes)} took longer than ${timeoutMs} ms (managed identity endpoint unreachable?)`)), timeoutMs);
      });
      return Promise.race([credential.getToken(scopes, options), timeout]).finally(() => clearTimeout(timer));
    },
  };
}

export interface ArmConnectionSettings {
  local: boolean;
  arm: ArmSettings;
  tenantId?: string;
}

/** The credential for ARM (and, in Azure, for Tables with TABLES_ACCOUNT_URL). */
export function armCredential(settings: ArmConnectionSettings): TokenCredential {
  if (settings.local) return staticTokenCredential({ tenantId: settings.tenantId ?? '00000000-0000-0000-0000-000000000000' });
  return withTimeout(new DefaultAzureCredential(), TOKEN_TIMEOUT_MS);
}

export interface ArmClientOptions {
  endpoint?: string;
  tlsOptions?: { ca: string };
  retryOptions: { retryDelayInMs: number; maxRetries: number };
  additionalPolicies?: Array<{ policy: PipelinePolicy; position: 'perCall' | 'perRetry' }>;
}

/**
 * Counts every ARM response (each attempt, so the 429s the SDK's retry policy waits out are seen too) in the
 * telemetry: by operation and status, and a 429 with the Retry-After it asked for. One policy for every adapter.
 */
export const armTelemetryPolicy: PipelinePolicy = {
  name: 'controlPlaneArmTelemetry',
  async sendRequest(request, next) {
    const response = await next(request);
    const waitMs = response.status === 429 ? retryAfterMs({ response }) : undefined;
    recordArmResponse({ method: request.method, url: request.url, status: response.status, ...(waitMs !== undefined ? { retryAfterSeconds: waitMs / 1000 } : {}) });
    return response;
  },
};

/** Options every ARM client takes: endpoint and CA (local emulator), the retry base delay, and the telemetry policy. */
export function armClientOptions(settings: ArmConnectionSettings): ArmClientOptions {
  return {
    ...(settings.arm.endpoint ? { endpoint: settings.arm.endpoint } : {}),
    ...(settings.arm.caCertFile ? { tlsOptions: { ca: readFileSync(settings.arm.caCertFile, 'utf8') } } : {}),
    retryOptions: { retryDelayInMs: settings.arm.retryDelayMs, maxRetries: 3 },
    additionalPolicies: [{ policy: armTelemetryPolicy, position: 'perRetry' }],
  };
}

/** LRO options: the configured poll interval when ARM sends no Retry-After (the SDK's default is ~2 s). */
export function lroOptions(settings: ArmConnectionSettings): { updateIntervalInMs?: number } {
  return settings.arm.lroPollIntervalMs !== undefined ? { updateIntervalInMs: settings.arm.lroPollIntervalMs } : {};
}

/** One SDK client per subscription (IDs compare without case), made on first use by `make`. */
export function perSubscription<C>(make: (subscriptionId: string) => C): (subscriptionId: string) => C {
  const clients = new Map<string, C>();
  return (subscriptionId) => {
    const key = subscriptionId.toLowerCase();
    let c = clients.get(key);
    if (c === undefined) clients.set(key, (c = make(subscriptionId)));
    return c;
  };
}
