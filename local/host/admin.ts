/**
 * `POST /admin/functions/{name}` with `{"input": ...}`: runs a non-HTTP function on demand, as the host's admin
 * API does (`FunctionsController.Invoke`, "Manually run a non HTTP-triggered function"): answers 202 Accepted at once
 * and runs in the background. The body binds to `FunctionInvocation { string Input }`: an empty or non-object body
 * is a 400; `input` may be any JSON value (a non-string is passed as its JSON text) or absent (null).
 * A timer gets a fresh timer object (no schedule status, not past due), an Event Grid function the input parsed as
 * its event (the binding's `JObject.Parse`), any other trigger the input string. HTTP functions are served at their
 * routes, and the Durable triggers (orchestration, activity, entity) run only through the Durable extension.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RegisteredFunction, TypedData } from '../contract';
import { isEventGridTrigger } from './eventgrid-webhook';
import { readBody, sendError } from './http-codec';
import type { HostContext } from './host-context';
import { isHttpTrigger } from './http-routes';
import { checkKey, presentedKey } from './keys';
import { isTimerTrigger, manualTimerInfo } from './timers';

export const ADMIN_FUNCTIONS_PATH = '/admin/functions/';

const DURABLE_TRIGGERS = ['orchestrationtrigger', 'activitytrigger', 'entitytrigger'];

/** Why the admin API cannot run this function, or undefined when it can. */
export function adminRefusal(fn: RegisteredFunction): string | undefined {
  if (isHttpTrigger(fn)) return `'${fn.name}' is an HTTP function: call it at its route under /api instead of the admin API`;
  if (DURABLE_TRIGGERS.includes(fn.trigger.type.toLowerCase())) {
    return `'${fn.name}' is a Durable ${fn.trigger.type}: only the Durable extension runs it (start an orchestration instead)`;
  }
  return undefined;
}

/**
 * Whether `GET /api/local/info` offers an admin URL for the function: those the admin API runs, except Event Grid
 * functions, whose way in is their webhook.
 */
export function hasAdminUrl(fn: RegisteredFunction): boolean {
  return adminRefusal(fn) === undefined && !isEventGridTrigger(fn.trigger.type);
}

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
  const refusal = adminRefusal(fn);
  if (refusal) return reject(400, 'BadRequest', refusal);

  const body = await readBody(req);
  if (body.toString('utf8').trim() === '') {
    return reject(400, 'BadRequest', `the body is empty; send a JSON object such as {"input": "..."} (or {} for no input)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return reject(400, 'BadRequest', `the body must be JSON like {"input": "..."} (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return reject(400, 'BadRequest', `the body must be a JSON object like {"input": "..."}, not ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}`);
  }
  const raw = (parsed as { input?: unknown }).input;
  // `Input` is a string on the host: a string is taken as is, any other JSON value as its JSON text.
  const input: string | null = raw === undefined || raw === null ? null : typeof raw === 'string' ? raw : JSON.stringify(raw);

  let triggerData: TypedData;
  const type = fn.trigger.type;
  if (isTimerTrigger(type)) {
    triggerData = { json: JSON.stringify(manualTimerInfo()) };
  } else if (isEventGridTrigger(type)) {
    try {
      const event: unknown = JSON.parse(input ?? '');
      if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new Error('not an object');
      triggerData = { json: JSON.stringify(event) };
    } catch {
      return reject(400, 'BadRequest', `'${fn.name}' is an Event Grid function: "input" must be the event, a JSON object (or its JSON text)`);
    }
  } else {
    triggerData = { string: input ?? '' };
  }
  ctx.track(ctx.invoke({ functionName: fn.name, triggerData }, 'This function was programmatically called via the host APIs.'));
  res.writeHead(202, { 'content-length': 0 }).end();
}
