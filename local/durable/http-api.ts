/**
 * The Durable extension's HTTP management API (HttpApiHandler), served under `/runtime/webhooks/durabletask/`.
 * Routes, status codes and payloads follow the extension, because durable-functions' DurableClient calls exactly
 * these (rpcBaseUrl style) and decides by status code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteHandler, TypedData } from '../contract';
import { InstanceExistsError, InvalidInstanceIdError, OrchestratorNotFoundError, type DurableEngineCore } from './engine';
import type { RuntimeStatus } from './state';
import type { ListQuery } from './status';

export const WEBHOOK_PREFIX = '/runtime/webhooks/durabletask/';
const MANAGEMENT_ID_PLACEHOLDER = 'INSTANCEID';
const RUNTIME_STATUSES: RuntimeStatus[] = ['Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Failed', 'Terminated', 'Suspended'];
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface HttpApiOptions {
  taskHubName: string;
  /** The host's base URL, e.g. `http://127.0.0.1:7071`. */
  baseUrl: () => string;
  /** The key the host requires on these routes (`code=`, as the extension's system key in Azure); none when unset. */
  systemKey?: () => string | undefined;
  /** The keyless loopback endpoint given to the client as `rpcBaseUrl`; default the webhook base itself. */
  rpcBaseUrl?: () => string;
}

function querySuffix(options: HttpApiOptions): string {
  const key = options.systemKey?.();
  return `taskHub=${encodeURIComponent(options.taskHubName)}&connection=Storage${key ? `&code=${encodeURIComponent(key)}` : ''}`;
}

function webhookBase(options: HttpApiOptions): string {
  return `${options.baseUrl().replace(/\/+$/, '')}${WEBHOOK_PREFIX.replace(/\/$/, '')}`;
}

/** The check-status links of an instance (HttpManagementPayload). */
export function managementPayload(options: HttpApiOptions, instanceId: string, origin?: string): Record<string, string> {
  let base = webhookBase(options);
  if (origin) base = base.replace(new URL(base).origin, origin);
  const q = querySuffix(options);
  const instance = `${base}/instances/${encodeURIComponent(instanceId)}`;
  return {
    id: instanceId,
    statusQueryGetUri: `${instance}?${q}`,
    sendEventPostUri: `${instance}/raiseEvent/{eventName}?${q}`,
    terminatePostUri: `${instance}/terminate?reason={text}&${q}`,
    rewindPostUri: `${instance}/rewind?reason={text}&${q}`,
    purgeHistoryDeleteUri: `${instance}?${q}`,
    restartPostUri: `${instance}/restart?${q}`,
    suspendPostUri: `${instance}/suspend?reason={text}&${q}`,
    resumePostUri: `${instance}/resume?reason={text}&${q}`,
  };
}

/** The `durableClient` input binding data (OrchestrationClientInputData). */
export function durableClientData(options: HttpApiOptions): TypedData {
  const base = webhookBase(options);
  const q = querySuffix(options);
  const creationPrefix = `${base}/orchestrators/{functionName}[/{instanceId}]`;
  const management = managementPayload(options, MANAGEMENT_ID_PLACEHOLDER);
  const data = {
    taskHubName: options.taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${creationPrefix}?${q}`,
      createAndWaitOnNewInstancePostUri: `${creationPrefix}?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${q}`,
    },
    managementUrls: { ...management, id: MANAGEMENT_ID_PLACEHOLDER },
    baseUrl: base,
    requiredQueryStringParameters: q,
    rpcBaseUrl: options.rpcBaseUrl?.() ?? `${base}/`,
  };
  return { string: JSON.stringify(data) };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The exception behind it, shown as the extension's CreateErrorResponse(status, message, e) does. */
    readonly exception?: { message: string; type: string },
  ) {
    super(message);
  }
}

/**
 * How HttpApiHandler answers a failed start (orchestrators/{name}, instances/{id}/restart): DurableClient's
 * ArgumentExceptions (unknown orchestrator, refused instance id) reach its `catch (ArgumentException)` (400);
 * OrchestrationAlreadyExistsException reaches the catch-all (500).
 */
function startError(e: unknown): HttpError | undefined {
  if (e instanceof OrchestratorNotFoundError || e instanceof InvalidInstanceIdError) {
    return new HttpError(400, 'One or more of the arguments submitted is incorrect', { message: e.message, type: 'System.ArgumentException' });
  }
  if (e instanceof InstanceExistsError) {
    return new HttpError(500, 'Something went wrong while processing your request', {
      message: e.message,
      type: 'DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException',
    });
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `Request body larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Validates a JSON body; returns the JSON text, or undefined for an empty body. */
function jsonBody(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  try {
    JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `Invalid JSON content: ${(e as Error).message}`);
  }
  return text;
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }), ...headers });
  res.end(text);
}

const bool = (v: string | null): boolean | undefined => (v === null ? undefined : v.toLowerCase() === 'true');

function dateParam(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new HttpError(400, `Query parameter '${name}' is not a date: '${v}'.`);
  return t;
}

function statusesParam(url: URL): RuntimeStatus[] | undefined {
  const raw = url.searchParams.getAll('runtimeStatus').flatMap((v) => v.split(',')).filter((v) => v !== '');
  if (raw.length === 0) return undefined;
  return raw.map((v) => {
    const found = RUNTIME_STATUSES.find((s) => s.toLowerCase() === v.toLowerCase());
    if (!found) throw new HttpError(400, `Unknown runtimeStatus '${v}'; expected one of ${RUNTIME_STATUSES.join(', ')}.`);
    return found;
  });
}

export function createHttpApi(engine: DurableEngineCore, options: HttpApiOptions): RouteHandler {
  const checkStatus = (res: ServerResponse, instanceId: string, origin: string): void => {
    const payload = managementPayload(options, instanceId, origin);
    const { rewindPostUri: _rewind, ...body } = payload;
    send(res, 202, body, { Location: payload.statusQueryGetUri as string, 'Retry-After': '10' });
  };

  const outcome = (res: ServerResponse, result: 'accepted' | 'notFound' | 'gone', instanceId: string): void => {
    if (result === 'accepted') send(res, 202);
    else if (result === 'gone') send(res, 410, { Message: `Instance '${instanceId}' has already finished.` });
    else send(res, 404, { Message: `No instance with ID '${instanceId}' found.` });
  };

  return async (req, res, url) => {
    const at = url.pathname.indexOf(WEBHOOK_PREFIX);
    if (at < 0) return false;
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      let segments: string[];
      try {
        segments = url.pathname
          .slice(at + WEBHOOK_PREFIX.length)
          .split('/')
          .filter((s) => s !== '')
          .map((s) => decodeURIComponent(s));
      } catch {
        throw new HttpError(400, `Malformed percent-encoding in ${url.pathname}.`);
      }
      const [controller, a, b, c] = segments;
      if (controller === 'orchestrators' && a && method === 'POST') {
        const inputJson = jsonBody(await readBody(req));
        try {
          const id = await engine.startNew(a, { instanceId: b || undefined, inputJson });
          checkStatus(res, id, url.origin);
        } catch (e) {
          throw startError(e) ?? e;
        }
        return true;
      }

      if (controller === 'instances') {
        const instanceId = a || undefined;
        if (!instanceId) {
          if (method === 'GET') {
            const query: ListQuery = {
              runtimeStatus: statusesParam(url),
              createdTimeFrom: dateParam(url, 'createdTimeFrom'),
              createdTimeTo: dateParam(url, 'createdTimeTo'),
              instanceIdPrefix: url.searchParams.get('instanceIdPrefix') ?? undefined,
              top: Number.parseInt(url.searchParams.get('top') ?? '', 10) || undefined,
              showInput: bool(url.searchParams.get('showInput')),
              continuationToken: header(req, 'x-ms-continuation-token'),
            };
            const page = engine.list(query);
            send(res, 200, page.items, page.continuationToken ? { 'x-ms-continuation-token': page.continuationToken } : {});
            return true;
          }
          if (method === 'DELETE') {
            const from = dateParam(url, 'createdTimeFrom');
            if (from === undefined) throw new HttpError(400, "Please provide value for 'createdTimeFrom' parameter.");
            const deleted = await engine.purgeWhere({ createdTimeFrom: from, createdTimeTo: dateParam(url, 'createdTimeTo'), runtimeStatus: statusesParam(url) });
            if (deleted === 0) send(res, 404);
            else send(res, 200, { instancesDeleted: deleted });
            return true;
          }
          throw new HttpError(404, `No route for ${method} ${url.pathname}.`);
        }

        if (b === undefined) {
          if (method === 'GET') {
            const status = await engine.getStatus(instanceId, {
              showHistory: bool(url.searchParams.get('showHistory')),
              showHistoryOutput: bool(url.searchParams.get('showHistoryOutput')),
              showInput: bool(url.searchParams.get('showInput')),
            });
            if (!status) {
              send(res, 404, { Message: `No instance with ID '${instanceId}' found.` });
              return true;
            }
            const running = ['Pending', 'Running', 'ContinuedAsNew', 'Suspended'].includes(status.runtimeStatus);
            const failedAs500 = status.runtimeStatus === 'Failed' && bool(url.searchParams.get('returnInternalServerErrorOnFailure'));
            send(res, running ? 202 : failedAs500 ? 500 : 200, status, running ? { Location: url.href, 'Retry-After': '5' } : {});
            return true;
          }
          if (method === 'DELETE') {
            const result = await engine.purge(instanceId);
            if (result === 'notFound') send(res, 404);
            else if (result === 'notTerminal') {
              const status = (await engine.getStatus(instanceId))?.runtimeStatus;
              send(res, 412, `Only orchestrations in a terminal state can be purged, but the orchestration with instance ID ${instanceId} has status ${status}`);
            } else send(res, 200, { instancesDeleted: 1 });
            return true;
          }
          throw new HttpError(404, `No route for ${method} ${url.pathname}.`);
        }

        if (method !== 'POST') throw new HttpError(404, `No route for ${method} ${url.pathname}.`);
        const reason = url.searchParams.get('reason') ?? undefined;
        switch (b.toLowerCase()) {
          case 'raiseevent': {
            if (!c) throw new HttpError(404, 'The raiseEvent route needs an event name: instances/{id}/raiseEvent/{eventName}.');
            const dataJson = jsonBody(await readBody(req));
            outcome(res, await engine.raiseEvent(instanceId, c, dataJson), instanceId);
            return true;
          }
          case 'terminate':
            outcome(res, await engine.terminate(instanceId, reason), instanceId);
            return true;
          case 'suspend':
            outcome(res, await engine.suspend(instanceId, reason), instanceId);
            return true;
          case 'resume':
            outcome(res, await engine.resume(instanceId, reason), instanceId);
            return true;
          case 'rewind':
            send(res, 501, 'Rewind is not supported by the embedded Durable engine (it is deprecated in the extension as well); start a new instance instead.');
            return true;
          case 'restart': {
            const status = await engine.getStatus(instanceId);
            if (!status) throw new HttpError(400, 'InstanceId does not match a valid orchestration instance.');
            const newId = bool(url.searchParams.get('restartWithNewInstanceId')) === false ? instanceId : undefined;
            try {
              const id = await engine.startNew(status.name, { instanceId: newId, inputJson: JSON.stringify(status.input) });
              checkStatus(res, id, url.origin);
            } catch (e) {
              throw startError(e) ?? e;
            }
            return true;
          }
          default:
            throw new HttpError(404, `Unknown instance operation '${b}'.`);
        }
      }

      if (controller === 'entities' && a && b !== undefined) {
        const key = b === '$' ? '' : b;
        if (method === 'GET') {
          const entity = engine.readEntity(a, key);
          if (!entity.exists) send(res, 404);
          else send(res, 200, entity.state);
          return true;
        }
        if (method === 'POST' || method === 'DELETE') {
          const op = method === 'DELETE' ? 'delete' : (url.searchParams.get('op') ?? '');
          const text = await readBody(req);
          const isJson = (header(req, 'content-type') ?? '').toLowerCase().startsWith('application/json');
          const inputJson = text === '' ? undefined : isJson ? jsonBody(text) : JSON.stringify(text);
          await engine.signalEntity(a, key, op, inputJson);
          send(res, 202);
          return true;
        }
      }
      throw new HttpError(404, `No Durable API route for ${method} ${url.pathname}.`);
    } catch (e) {
      if (e instanceof HttpError) {
        send(res, e.status, e.exception ? { Message: e.message, ExceptionMessage: e.exception.message, ExceptionType: e.exception.type } : { Message: e.message });
      }
      else send(res, 500, { Message: 'Something went wrong while processing your request', ExceptionMessage: (e as Error).message });
      return true;
    }
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
