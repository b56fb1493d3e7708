/**
 * Azurite's Table service for the embedded default (records: egress requests, audit log, drift reports).
 *
 * It runs in-process through Azurite's own server classes (the ones its `azurite-table` bin wires up) rather than as
 * a child process, because only in-process can it listen on port 0 and report the port it got (the bin prints the
 * configured port, so a child would need a guessed free port and a race). In-process also skips the bin's telemetry
 * client, which would otherwise try to reach Application Insights. Data lives in memory for tests, or in a folder
 * (Loki JSON) for `npm start`. Azurite itself saves that file every 5 s and on stop, so a `kill -9` lost up to 5 s of
 * acknowledged writes (the soak found a spoke record stuck at `Reconciling` whose orchestration had completed): on
 * disk, every write is answered only once the file holding it is saved (see {@link answerWritesWhenSaved}).
 */
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** Azurite's well-known development account (public, documented; not a secret). */
export const devStoreAccountName = 'devstoreaccount1';
export const devStoreAccountKey =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export const defaultAzuriteLocation = path.join('.local-data', 'azurite');

export interface StartAzuriteOptions {
  /** Keep tables in memory only (tests); otherwise persist to `location`. */
  inMemory: boolean;
  /** Folder for the Loki database when not in memory; relative paths resolve against the working directory. */
  location?: string;
  /** Suppress Azurite's per-request access log on stdout (default true). */
  silent?: boolean;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** How long to wait for the service to answer its first request (default 10 s). */
  readyTimeoutInMs?: number;
}

export interface AzuriteTables {
  /** e.g. `http://127.0.0.1:41234/devstoreaccount1`. */
  tableEndpoint: string;
  /** For `TableClient.fromConnectionString(cs, table, { allowInsecureConnection: true })`. */
  connectionString: string;
  port: number;
  /** Where data is kept, or undefined in memory. */
  location: string | undefined;
  /** Milliseconds from the call to the first answer (module load included). */
  startupInMs: number;
  /** Closes the server and its connections; the port is free when this resolves. */
  stop(): Promise<void>;
}

/** Azurite did not come up; the message says which step failed. */
export class AzuriteStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AzuriteStartError';
  }
}

export function tableConnectionString(tableEndpoint: string): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${devStoreAccountName};AccountKey=${devStoreAccountKey};` +
    `TableEndpoint=${tableEndpoint};`
  );
}

/** One GET to the account; any HTTP answer (Azurite says 4xx without credentials) proves the service is serving. */
function probe(url: string, timeoutInMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutInMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutInMs} ms`)));
    req.on('error', reject);
  });
}

export async function startAzurite(options: StartAzuriteOptions): Promise<AzuriteTables> {
  const started = performance.now();
  if (options.inMemory && options.location !== undefined) {
    // Same rule as Azurite's own CLI (--inMemoryPersistence with --location).
    throw new AzuriteStartError('startAzurite: inMemory cannot be combined with location; choose one');
  }
  const location = options.inMemory ? undefined : path.resolve(options.location ?? defaultAzuriteLocation);
  if (location !== undefined) await mkdir(location, { recursive: true });

  // Loaded on demand: Azurite's module graph takes a second or two to load and most callers never need it.
  const [{ default: TableServer }, { default: TableConfiguration }] = await Promise.all([
    import('azurite/dist/src/table/TableServer'),
    import('azurite/dist/src/table/TableConfiguration'),
  ]);
  const config = new TableConfiguration(
    '127.0.0.1',
    options.port ?? 0,
    5, // keep-alive seconds, Azurite's default
    // Azurite's file name for the table database; ignored in memory (Loki's memory adapter).
    path.join(location ?? '.', '__azurite_db_table__.json'),
    false, // debug log
    options.silent === false, // access log
    undefined,
    undefined,
    false, // loose
    false, // skipApiVersionCheck
    '',
    '',
    '',
    undefined, // oauth
    false, // disableProductStyleUrl
    options.inMemory,
  );
  const server = new TableServer(config);
  try {
    await server.start();
  } catch (error) {
    throw new AzuriteStartError(
      `Azurite Table service could not listen on 127.0.0.1:${options.port ?? 0}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const { port } = server.httpServer.address() as AddressInfo;
  const tableEndpoint = `http://127.0.0.1:${port}/${devStoreAccountName}`;
  try {
    await probe(`${tableEndpoint}/Tables`, options.readyTimeoutInMs ?? 10_000);
  } catch (error) {
    await server.close().catch(() => undefined);
    throw new AzuriteStartError(`Azurite Table service at ${tableEndpoint} did not answer: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (location !== undefined) answerWritesWhenSaved(server as unknown as DurableTableServer);
  let stopping: Promise<void> | undefined;
  return {
    tableEndpoint,
    connectionString: tableConnectionString(tableEndpoint),
    port,
    location,
    startupInMs: Math.round(performance.now() - started),
    stop() {
      stopping ??= (async () => {
        await server.close();
        // close() stops accepting and ends connections; wait for the listening socket itself to be gone.
        if (server.httpServer.listening) {
          await new Promise<void>((resolve) => server.httpServer.once('close', () => resolve()));
        }
      })();
      return stopping;
    },
  };
}

/** The parts of Azurite's TableServer that {@link answerWritesWhenSaved} uses (public fields of its JavaScript). */
interface DurableTableServer {
  httpServer: http.Server;
  metadataStore: { saveDBState(): Promise<void> };
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'MERGE', 'DELETE']);

/**
 * Holds the end of every write's answer until Azurite's database file has been saved with it (Loki writes a temp
 * file and renames it over the old one, so the file is whole after a crash). Saves are grouped: writes answered
 * while a save runs share the next one. The file reaches the OS before the answer (it survives `kill -9`; no fsync,
 * so not a power loss). Reads are answered at once.
 */
function answerWritesWhenSaved(server: DurableTableServer): void {
  const listeners = server.httpServer.listeners('request') as Array<(req: http.IncomingMessage, res: http.ServerResponse) => void>;
  let saving = false;
  let waiting: Array<() => void> = [];
  const save = (): void => {
    if (saving || waiting.length === 0) return;
    saving = true;
    const batch = waiting;
    waiting = [];
    server.metadataStore
      .saveDBState()
      .catch((error: unknown) => console.error(`Azurite: saving the table database failed: ${(error as Error).message}`))
      .finally(() => {
        saving = false;
        for (const release of batch) release();
        save();
      });
  };
  server.httpServer.removeAllListeners('request');
  server.httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (WRITE_METHODS.has((req.method ?? 'GET').toUpperCase())) {
      const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
      // The handler has applied the write when it ends the answer: save, then let the answer end.
      res.end = ((...args: unknown[]) => {
        waiting.push(() => end(...args));
        save();
        return res;
      }) as typeof res.end;
    }
    for (const listener of listeners) listener.call(server.httpServer, req, res);
  });
}
