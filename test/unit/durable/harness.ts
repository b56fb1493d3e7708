/**
 * Test harness: the fixture app loaded through the local host's loader, an engine over it, and the engine's HTTP
 * API on a loopback server (port 0) so the real DurableClient can reach it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { loadFunctionApp, type LocalFunctionApp } from '../../../local/host/app-loader';
import { createDurableEngine, type DurableEngine, type DurableEngineOptions } from '../../../local/durable';

export const FIXTURE_ENTRY = path.resolve(__dirname, '../../fixtures/durable-app/index.ts');

let loaded: LocalFunctionApp | undefined;

/** The fixture app (loaded once per test file: registrations happen when the module is first required). */
export function fixtureApp(): LocalFunctionApp {
  loaded ??= loadFunctionApp({ entries: [FIXTURE_ENTRY] });
  return loaded;
}

/** The fixture module's exports (the same instance the loader registered), e.g. its activity run counters. */
export interface FixtureModule {
  activityRuns: Map<string, number>;
  codeVersion: { useNewActivity: boolean };
  /** Opens the held `Gate` activity of a key. */
  gates: Map<string, () => void>;
}

export function fixtureModule(): FixtureModule {
  fixtureApp();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module instance the loader already loaded
  return require(FIXTURE_ENTRY) as FixtureModule;
}

export interface Harness {
  engine: DurableEngine;
  app: LocalFunctionApp;
  baseUrl: string;
  logs: string[];
  close(): Promise<void>;
}

/** Sees every request to the engine's HTTP API first; answering true means it handled it (e.g. reset the connection). */
export type HarnessIntercept = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

export async function startHarness(
  options: Partial<Omit<DurableEngineOptions, 'baseUrl' | 'taskHubName'>> & { intercept?: HarnessIntercept } = {},
): Promise<Harness> {
  const app = fixtureApp();
  let baseUrl = '';
  const logs: string[] = [];
  const engine = createDurableEngine({
    invoker: options.invoker ?? app,
    store: options.store ?? 'memory',
    clock: options.clock,
    maxConcurrentActivities: options.maxConcurrentActivities,
    maxConcurrentOrchestrations: options.maxConcurrentOrchestrations,
    taskHubName: 'TestHub',
    baseUrl: () => baseUrl,
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', baseUrl);
    if (options.intercept?.(req, res, url)) return;
    void Promise.resolve(engine.routeHandler(req, res, url)).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app.provideInput('durableClient', () => engine.clientInput());
  await engine.start();
  return {
    engine,
    app,
    baseUrl,
    logs,
    async close() {
      await engine.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs a DurableClient call through the fixture's generic client function (the real SDK client). */
export async function clientCommand(h: Harness, command: Record<string, unknown>): Promise<unknown> {
  const result = await h.app.invoke({ functionName: 'ClientCommand', triggerData: { json: JSON.stringify(command) } });
  if (!result.ok) throw result.error;
  return result.returnValue;
}

/** Waits until `check` is true, polling; for states reached through background work. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
