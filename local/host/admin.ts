/**
 * `POST /admin/functions/{name}` with `{"input": "..."}`: runs a non-HTTP function on demand, as the host's admin
 * API does ("Manually run a non HTTP-triggered function"): answers 202 Accepted at once and runs in the background.
 * A timer gets a fresh timer object (no schedule status, not past due), an Event Grid function the input parsed as
 * its event, any other trigger the input string.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypedData } from '../contract';
import { isEventGridTrigger } from './eventgrid-webhook';
import { readBody, sendError } from './http-codec';
import type { HostContext } from './host-context';
import { isHttpTrigger } from './http-routes';
import { checkKey, presentedKey } from './keys';
import { isTimerTrigger, manualTimerInfo } from './timers';

export const ADMIN_FUNCTIONS_PATH = '/admin/functions/';

export async function handleAdminInvoke(ctx: HostContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const reject = (status: number, code: string, message: string, headers: Record<string, string> = {}): void => {
    ctx.logger.host('warning', `${req.method} ${url.pathname} -> ${status}: ${message}`);
    sendError(res, status, code, message, headers);
  };
  const auth = checkKey('admin', presentedKey(url, req.headers), ctx.keys());
  if (!auth.ok) return reject(401, 'Unauthorized', auth.reason);

  const name = decodeURIComponent(url.pathname.slice(ADMIN_FUNCTIONS_PATH.length));
  if (req.method !== 'POST') return reject(405, 'MethodNotAllowed', `use POST ${ADMIN_FUNCTIONS_PATH}${name} with {"input": "..."}`, { Allow: 'POST' });
  const fn = name === '' || name.includes('/') ? undefined : ctx.app.get(name);
  if (!fn) return reject(404, 'FunctionNotFound', `no function named '${name}' is registered`);
  if (isHttpTrigger(fn)) {
    return reject(400, 'BadRequest', `'${fn.name}' is an HTTP function: call it at its route under /api instead of the admin API`);
  }

  let input: unknown = null;
  const body = await readBody(req);
  if (body.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (e) {
      return reject(400, 'BadRequest', `the body must be JSON like {"input": "..."} (${(e as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return reject(400, 'BadRequest', 'the body must be a JSON object like {"input": "..."}');
    }
    input = (parsed as { input?: unknown }).input ?? null;
  }
  if (input !== null && typeof input !== 'string') {
    return reject(400, 'BadRequest', `"input" must be a string (JSON-encode structured input), not ${typeof input}`);
  }

  let triggerData: TypedData;
  const type = fn.trigger.type;
  if (isTimerTrigger(type)) {
    triggerData = { json: JSON.stringify(manualTimerInfo()) };
  } else if (isEventGridTrigger(type)) {
    try {
      triggerData = { json: JSON.stringify(JSON.parse(input ?? '')) };
    } catch {
      return reject(400, 'BadRequest', `'${fn.name}' is an Event Grid function: "input" must be the event as a JSON string`);
    }
  } else {
    triggerData = { string: input ?? '' };
  }
  ctx.track(ctx.invoke({ functionName: fn.name, triggerData }, 'This function was programmatically called via the host APIs.'));
  res.writeHead(202, { 'content-length': 0 }).end();
}
