/**
 * The local Functions host: serves the app's HTTP triggers under `/api/<route>`, the Event Grid webhook, the admin
 * "run this function" API and timers, with app settings from local.settings.json, on 127.0.0.1 only. Other local
 * pieces (Durable engine, ARM emulator) plug in through `HostExtensionPoints`.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Clock, HostExtensionPoints, InputBindingProvider, RouteHandler } from '../contract';
import { ADMIN_FUNCTIONS_PATH, handleAdminInvoke } from './admin';
import { loadFunctionApp, runAppStartHooks, runAppTerminateHooks, type LocalFunctionApp } from './app-loader';
import { wallClock } from '../clock';
import { EVENTGRID_WEBHOOK_PATH, handleEventGridWebhook, isEventGridTrigger } from './eventgrid-webhook';
import { readBody, RequestTooLargeError, sendError, sendJson, toRpcHttpRequest, writeRpcHttpResponse } from './http-codec';
import { loggedInvoke, type HostContext } from './host-context';
import { HttpRouteTable } from './http-routes';
import { buildInfoDocument, functionUrl, RESERVED_INFO_SECTIONS } from './info';
import { checkKey, EVENTGRID_KEY_SETTING, FUNCTION_KEY_SETTING, keyLevelOf, MASTER_KEY_SETTING, presentedKey, type HostKeys } from './keys';
import { consoleSink, createLogger, parseLogLevel, toLogLevel, type HostLogger, type LogSink } from './logger';
import { loadAppSettings, type AppSettings } from './settings';
import { TimerScheduler, type TimerStatusStore } from './timers';

export const DEFAULT_PORT = 7071;
export const LOG_LEVEL_SETTING = 'LOCAL_LOG_LEVEL';
export const TIME_ZONE_SETTING = 'WEBSITE_TIME_ZONE';
/** Where the host serves its extensions' webhooks (`/runtime/webhooks/{extension}`). */
export const EXTENSION_WEBHOOKS_PATH = '/runtime/webhooks/';

const isEventGridWebhookPath = (lower: string): boolean => lower === EVENTGRID_WEBHOOK_PATH || lower === `${EVENTGRID_WEBHOOK_PATH}/`;

export interface LocalHostOptions {
  /** Modules whose loading registers the app's functions (e.g. `dist/functions/index.js`). */
  entries: string[];
  /** Default: `local.settings.json` in the current directory; a missing file is fine. */
  settingsFile?: string;
  /** The environment the settings overlay and are copied into. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Overrides PORT / Host.LocalHttpPort; 0 picks a free port. */
  port?: number;
  /** host.json `extensions.http.routePrefix`; default `api`. */
  routePrefix?: string;
  /** Default: the wall clock. Tests pass a virtual one so timers fire instantly. */
  clock?: Clock;
  /** Where log lines go; default stdout (stderr for warnings and worse). */
  logSink?: LogSink;
  /** Passed to the app's `appStart` hooks; default the current directory. */
  functionAppDirectory?: string;
  /** How long `stop()` waits for runs still in progress (timer, admin) before giving up on them; default 10 s. */
  drainTimeoutInMs?: number;
  /**
   * Where monitored timers keep their schedule status (`{Last, Next, LastUpdated}`) across restarts, as the host
   * keeps it in storage. Default: in memory, for this host object only.
   */
  timerStatus?: TimerStatusStore;
}

export interface LocalHost extends HostExtensionPoints {
  readonly settings: AppSettings;
  readonly app: LocalFunctionApp;
  /** The host's logger, for other local pieces that want their lines in the same stream. */
  readonly logger: HostLogger;
  /** Starts listening on 127.0.0.1; resolves to the base URL, e.g. `http://127.0.0.1:7071`. */
  start(): Promise<string>;
  /** Stops timers, closes the server and its keep-alive sockets, waits for background runs, runs appTerminate hooks. */
  stop(): Promise<void>;
}

function resolvePort(options: LocalHostOptions, settings: AppSettings): number {
  if (options.port !== undefined) return options.port;
  const fromSetting = settings.get('PORT');
  if (fromSetting !== undefined && fromSetting !== '') {
    const port = Number(fromSetting);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`PORT is "${fromSetting}"; it must be an integer from 0 to 65535.`);
    }
    return port;
  }
  return settings.localHttpPort ?? DEFAULT_PORT;
}

function requestUrl(req: http.IncomingMessage, fallbackBase: string): URL {
  try {
    return new URL(req.url ?? '/', req.headers.host ? `http://${req.headers.host}` : fallbackBase);
  } catch {
    return new URL(req.url ?? '/', fallbackBase);
  }
}

export function createLocalHost(options: LocalHostOptions): LocalHost {
  const env = options.env ?? process.env;
  const settingsFile = options.settingsFile ?? path.resolve('local.settings.json');
  const settings = loadAppSettings({ file: settingsFile, env });
  const clock = options.clock ?? wallClock;
  const minimum = parseLogLevel(settings.get(LOG_LEVEL_SETTING), LOG_LEVEL_SETTING);
  const logger = createLogger({ minimum, now: () => clock.now(), sink: options.logSink ?? consoleSink });
  const routePrefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const port = resolvePort(options, settings);

  const app = loadFunctionApp({
    entries: options.entries,
    onLog: (entry) => {
      const level = toLogLevel(entry.level);
      if (!level) return;
      logger.log({
        level,
        message: entry.message,
        ...(entry.functionName !== undefined ? { functionName: entry.functionName } : {}),
        ...(entry.invocationId !== undefined ? { invocationId: entry.invocationId } : {}),
      });
    },
  });

  const keys = (): HostKeys => {
    const read = (name: string): string | undefined => {
      const value = settings.get(name);
      return value === undefined || value === '' ? undefined : value;
    };
    const result: HostKeys = {};
    const functionKey = read(FUNCTION_KEY_SETTING);
    const masterKey = read(MASTER_KEY_SETTING);
    const eventGridKey = read(EVENTGRID_KEY_SETTING);
    if (functionKey) result.functionKey = functionKey;
    if (masterKey) result.masterKey = masterKey;
    if (eventGridKey) result.eventGridKey = eventGridKey;
    return result;
  };

  const background = new Set<Promise<unknown>>();
  const ctx: HostContext = {
    app,
    settings,
    keys,
    logger,
    clock,
    invoke: loggedInvoke(app, logger, clock),
    track(work) {
      const settled = work.then(
        () => undefined,
        (e: unknown) => logger.host('error', `Background run failed: ${(e as Error).stack ?? String(e)}`),
      );
      background.add(settled);
      void settled.finally(() => background.delete(settled));
    },
  };

  const routes = new HttpRouteTable(app.list());
  const timers = new TimerScheduler(ctx, app.list(), settings.get(TIME_ZONE_SETTING), options.timerStatus);
  const mounts: { prefix: string; handler: RouteHandler }[] = [];
  const sections = new Map<string, () => unknown>();
  let server: http.Server | undefined;
  let base: string | undefined;

  const baseUrl = (): string => {
    if (!base) throw new Error('The local host is not started: call start() before asking for its base URL.');
    return base;
  };

  const prefixPath = routePrefix === '' ? '' : `/${routePrefix}`;
  const infoPath = `${prefixPath}/local/info`;

  async function serveFunction(req: http.IncomingMessage, res: http.ServerResponse, url: URL, relative: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const lookup = routes.lookup(relative, method);
    if (lookup.kind !== 'found') {
      // The host matches method and path together (route constraints), so a known route with another method is a 404.
      const hint = lookup.kind === 'method-not-allowed' ? `; this route accepts ${lookup.allow.join(', ')}` : '';
      logger.host('information', `${method} ${url.pathname} -> 404: no function route matches${hint}`);
      return sendError(res, 404, 'NotFound', `No function matches ${method} ${url.pathname}${hint}; see ${baseUrl()}${infoPath} for the routes.`);
    }
    const { route, params } = lookup;
    const auth = checkKey(keyLevelOf(route.authLevel), presentedKey(url, req.headers), keys());
    if (!auth.ok) {
      logger.host('warning', `${method} ${url.pathname} -> 401 (function '${route.functionName}', authLevel ${route.authLevel}): ${auth.reason}`);
      return sendError(res, 401, 'Unauthorized', auth.reason);
    }
    const body = await readBody(req);
    const result = await ctx.invoke(
      { functionName: route.functionName, triggerData: { http: toRpcHttpRequest(req, url, params, body) } },
      'This function was programmatically called via the host APIs.',
    );
    if (!result.ok) {
      // Like the host: 500 with an empty body; the caller learns nothing of the failure, the log has the details.
      res.writeHead(500, { 'content-length': 0 }).end();
      return;
    }
    try {
      writeRpcHttpResponse(req, res, result.returnValue);
    } catch (e) {
      logger.host('error', `Function '${route.functionName}' returned a response the host cannot send: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-length': 0 }).end();
    }
  }

  async function dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = requestUrl(req, baseUrl());
    const pathname = url.pathname;
    const lower = pathname.toLowerCase();
    if (lower.startsWith(EXTENSION_WEBHOOKS_PATH) && !isEventGridWebhookPath(lower)) {
      // Extension webhooks (Durable management API, ...) take the extension's system key or the master key in Azure;
      // locally the master key, when set. The Event Grid webhook checks its own system key.
      const auth = checkKey('system', presentedKey(url, req.headers), keys());
      if (!auth.ok) {
        logger.host('warning', `${req.method} ${pathname} -> 401: ${auth.reason}`);
        return sendError(res, 401, 'Unauthorized', auth.reason);
      }
    }
    for (const mount of mounts) {
      if (pathname.startsWith(mount.prefix) && (await mount.handler(req, res, url))) return;
    }
    if (isEventGridWebhookPath(lower)) {
      return handleEventGridWebhook(ctx, req, res, url);
    }
    if (lower.startsWith(ADMIN_FUNCTIONS_PATH)) return handleAdminInvoke(ctx, req, res, url);
    if (lower === infoPath || lower === `${infoPath}/`) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'MethodNotAllowed', `${infoPath} accepts GET.`, { Allow: 'GET' });
      return sendJson(res, 200, info());
    }
    if (prefixPath === '' || lower === prefixPath || lower.startsWith(`${prefixPath}/`)) {
      return serveFunction(req, res, url, pathname.slice(prefixPath.length));
    }
    logger.host('information', `${req.method} ${pathname} -> 404: outside the route prefix ${prefixPath}/`);
    sendError(res, 404, 'NotFound', `Nothing is served at ${pathname}; functions live under ${prefixPath}/ (see ${baseUrl()}${infoPath}).`);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      await dispatch(req, res);
    } catch (e) {
      if (e instanceof RequestTooLargeError) {
        logger.host('warning', `${req.method} ${req.url} -> 413: ${e.message}`);
        if (!res.headersSent) sendError(res, 413, 'PayloadTooLarge', e.message, { connection: 'close' });
        return;
      }
      logger.host('error', `${req.method} ${req.url} -> 500: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) sendError(res, 500, 'InternalServerError', 'The local host failed to handle the request; its log has the error.');
      else res.destroy();
    }
  }

  /** Waits for background runs, but not forever: a hung function must not hang the host's shutdown. */
  async function drain(timeoutInMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutInMs);
    });
    try {
      while (background.size > 0) {
        const outcome = await Promise.race([Promise.allSettled([...background]), timedOut]);
        if (outcome === 'timeout') {
          logger.host('warning', `Stopped without waiting for ${background.size} run(s) still in progress after ${timeoutInMs} ms.`);
          return;
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  function info(): Record<string, unknown> {
    return buildInfoDocument({
      baseUrl: baseUrl(),
      routePrefix,
      settingsFile: settings.file,
      logLevel: minimum,
      keys: keys(),
      app,
      routes,
      timers,
      sections,
    });
  }

  function announce(url: string): void {
    logger.host('information', `Local Functions host listening on ${url}`);
    for (const problem of routes.problems) logger.host('error', `The '${problem.functionName}' function is in error: ${problem.message}`);
    const functions = app.list();
    if (functions.length === 0) logger.host('warning', 'No functions were registered by the app entries.');
    for (const fn of functions) {
      const route = routes.routes.find((r) => r.functionName === fn.name);
      const timer = timers.timers.find((t) => t.functionName === fn.name);
      let line = `${fn.name}: ${fn.trigger.type}`;
      if (route) line = `${fn.name}: [${route.methods.join(',')}] ${functionUrl(url, routePrefix, route.route.template)}`;
      else if (isEventGridTrigger(fn.trigger.type)) line += ` ${url}${EVENTGRID_WEBHOOK_PATH}?functionName=${encodeURIComponent(fn.name)}`;
      else if (timer?.resolved) {
        // A runOnStartup timer is still running here; its next occurrence is the one after now either way.
        const next = timer.nextRun ?? timer.resolved.next(clock.now());
        line += ` (${timer.resolved.expression}${next !== null ? `, next ${new Date(next).toISOString()}` : ''})`;
      }
      logger.host('information', `  ${line}`);
    }
    const k = keys();
    const keyed = routes.routes.filter((r) => r.authLevel.toLowerCase() !== 'anonymous');
    if (keyed.some((r) => r.authLevel.toLowerCase() === 'function') && !k.functionKey && !k.masterKey) {
      logger.host('warning', `Function-level keys are not enforced: set ${FUNCTION_KEY_SETTING} or ${MASTER_KEY_SETTING} to require them.`);
    }
    if (keyed.some((r) => r.authLevel.toLowerCase() !== 'function') && !k.masterKey) {
      logger.host('warning', `Admin-level keys are not enforced: set ${MASTER_KEY_SETTING} to require them.`);
    }
  }

  return {
    settings,
    app,
    logger,
    mount(prefix: string, handler: RouteHandler): void {
      if (!prefix.startsWith('/')) throw new Error(`mount prefix "${prefix}" must start with "/".`);
      mounts.push({ prefix, handler });
    },
    provideInput(bindingType: string, provider: InputBindingProvider): void {
      app.provideInput(bindingType, provider);
    },
    addInfo(section: string, value: () => unknown): void {
      if (RESERVED_INFO_SECTIONS.includes(section)) throw new Error(`info section "${section}" is the host's own; pick another name.`);
      sections.set(section, value);
    },
    baseUrl,
    async start(): Promise<string> {
      if (server) throw new Error('The local host is already started.');
      await runAppStartHooks(options.functionAppDirectory ?? process.cwd());
      const s = http.createServer((req, res) => void handle(req, res));
      server = s;
      await new Promise<void>((resolve, reject) => {
        const onError = (e: NodeJS.ErrnoException): void => {
          server = undefined;
          reject(
            e.code === 'EADDRINUSE'
              ? new Error(`Port ${port} on 127.0.0.1 is in use; set PORT (or Host.LocalHttpPort in local.settings.json) to a free port.`)
              : e,
          );
        };
        s.once('error', onError);
        s.listen(port, '127.0.0.1', () => {
          s.off('error', onError);
          resolve();
        });
      });
      base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
      timers.start();
      announce(base);
      return base;
    },
    async stop(): Promise<void> {
      timers.stop();
      const s = server;
      if (s) {
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeAllConnections();
        await closed;
      }
      server = undefined;
      await drain(options.drainTimeoutInMs ?? 10_000);
      if (s) await runAppTerminateHooks();
      base = undefined;
    },
  };
}

export type { AppSettings } from './settings';
export { FileTimerStatusStore, MemoryTimerStatusStore, type TimerStatusStore } from './timers';
export { startRpcListener, type RpcListener } from './rpc-listener';
export type { HostLogger, LogSink } from './logger';
