/**
 * Function keys as the host checks them: a key comes in the `code` query parameter or the `x-functions-key` header;
 * the master key satisfies every level. Locally the keys are app settings; a level whose keys are all unset is not
 * enforced (Core Tools does not enforce keys at all), which the host announces at start.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const FUNCTION_KEY_SETTING = 'LOCAL_FUNCTION_KEY';
export const MASTER_KEY_SETTING = 'LOCAL_MASTER_KEY';
export const EVENTGRID_KEY_SETTING = 'LOCAL_EVENTGRID_KEY';

export interface HostKeys {
  functionKey?: string;
  masterKey?: string;
  eventGridKey?: string;
}

/**
 * Which keys a request needs: `function` level (function or master key), `admin` (master key), `eventgrid` (the
 * Event Grid extension's system key or the master key), `system` (an extension webhook such as the Durable
 * management API: its system key or the master key in Azure; locally the master key).
 */
export type KeyLevel = 'anonymous' | 'function' | 'admin' | 'eventgrid' | 'system';

export type KeyCheck = { ok: true } | { ok: false; reason: string };

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The key a caller presented: the `x-functions-key` header wins over the `code` query parameter, as in the host. */
export function presentedKey(url: URL, headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-functions-key'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  return fromHeader ?? url.searchParams.get('code') ?? undefined;
}

/** Maps an HTTP trigger's `authLevel` to the key level it requires; unknown levels are treated as admin (safest). */
export function keyLevelOf(authLevel: unknown): KeyLevel {
  const level = typeof authLevel === 'string' ? authLevel.toLowerCase() : 'anonymous';
  if (level === 'anonymous') return 'anonymous';
  if (level === 'function') return 'function';
  return 'admin';
}

export function checkKey(level: KeyLevel, presented: string | undefined, keys: HostKeys): KeyCheck {
  if (level === 'anonymous') return { ok: true };
  const accepted =
    level === 'function'
      ? [keys.functionKey, keys.masterKey]
      : level === 'eventgrid'
        ? [keys.eventGridKey, keys.masterKey]
        : [keys.masterKey];
  const configured = accepted.filter((k): k is string => k !== undefined && k !== '');
  const settingHint =
    level === 'function'
      ? `${FUNCTION_KEY_SETTING} (or ${MASTER_KEY_SETTING})`
      : level === 'eventgrid'
        ? `${EVENTGRID_KEY_SETTING} (or ${MASTER_KEY_SETTING})`
        : level === 'system'
          ? `${MASTER_KEY_SETTING} (standing in for the extension's system key)`
          : MASTER_KEY_SETTING;
  if (configured.length === 0 || (level === 'eventgrid' && !keys.eventGridKey)) {
    // Event Grid's webhook is keyed only when LOCAL_EVENTGRID_KEY is set; other levels when any accepted key is set.
    return { ok: true };
  }
  const where = level === 'eventgrid' ? "the 'code' query parameter" : "the 'code' query parameter or the 'x-functions-key' header";
  if (presented === undefined || presented === '') {
    return { ok: false, reason: `This endpoint requires a key (${level} level): pass the value of ${settingHint} in ${where}.` };
  }
  if (!configured.some((k) => sameKey(k, presented))) {
    return { ok: false, reason: `The key presented does not match ${settingHint} (${level} level).` };
  }
  return { ok: true };
}
