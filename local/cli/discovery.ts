/**
 * Finding the running control plane, in order: `--url`, env `HUBSPOKE_URL`, the embedded default's
 * `${LOCAL_DATA_DIR:-<project>/.local-data}/instance.json` (the data folder's lock, local/dataDir.ts:
 * `{ pid, startedAt, baseUrl }`, ignored when its process is gone), then the host's port (`PORT`, else local.settings.json
 * `Host.LocalHttpPort`, else 7071). PORT and LOCAL_DATA_DIR are read like `npm start` reads them: the environment,
 * else local.settings.json `Values` in the current folder. Each candidate is confirmed with `GET /api/local/info`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { DEFAULT_DATA_DIR, LOCK_FILE } from '../dataDir';
import { parseLocalSettings, settingOf, type LocalSettingsFile } from '../host/settings';

export interface Candidate {
  baseUrl: string;
  /** Where it came from, for messages: `--url`, `HUBSPOKE_URL`, `/path/instance.json (pid 123)`, `PORT`. */
  source: string;
}

export interface DiscoveryInputs {
  url?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  projectRoot: string;
  /** Whether a process with this ID exists. */
  isAlive(pid: number): boolean;
  /** A file's text, or undefined when it does not exist. */
  readFile(file: string): string | undefined;
}

const instanceSchema = z.object({
  pid: z.number().int().positive(),
  startedAt: z.string(),
  baseUrl: z.url({ protocol: /^https?$/ }),
});

export function readTextFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export class DiscoveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiscoveryError';
  }
}

function normalizeUrl(text: string, source: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DiscoveryError(`${source} "${text}" is not a URL such as http://127.0.0.1:7071.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DiscoveryError(`${source} "${text}" must be an http:// or https:// URL.`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * local.settings.json in the current folder, read as npm start reads it (host/settings.ts); a file npm start would
 * refuse only means "no settings" here, with a note.
 */
function localSettings(inputs: DiscoveryInputs, notes: string[]): LocalSettingsFile | undefined {
  const file = path.join(inputs.cwd, 'local.settings.json');
  const text = inputs.readFile(file);
  if (text === undefined) return undefined;
  try {
    return parseLocalSettings(text, file);
  } catch (e) {
    notes.push(`${(e as Error).message}; its settings are not used.`);
    return undefined;
  }
}

/**
 * The places to look, in order, with notes on what was skipped (a dead instance, an unreadable file). An explicit
 * `--url` or HUBSPOKE_URL is the only candidate: asked for one place, the CLI never talks to another.
 */
export function candidates(inputs: DiscoveryInputs): { candidates: Candidate[]; notes: string[] } {
  if (inputs.url !== undefined) return { candidates: [{ baseUrl: normalizeUrl(inputs.url, '--url'), source: '--url' }], notes: [] };
  const fromEnv = inputs.env.HUBSPOKE_URL;
  if (fromEnv !== undefined && fromEnv !== '') return { candidates: [{ baseUrl: normalizeUrl(fromEnv, 'HUBSPOKE_URL'), source: 'HUBSPOKE_URL' }], notes: [] };

  const found: Candidate[] = [];
  const notes: string[] = [];
  const settings = localSettings(inputs, notes);
  const setting = (name: string): string | undefined => settingOf(inputs.env, settings?.Values ?? {}, name);
  const dataDir = path.resolve(inputs.cwd, setting('LOCAL_DATA_DIR') ?? path.join(inputs.projectRoot, DEFAULT_DATA_DIR));
  const instanceFile = path.join(dataDir, LOCK_FILE);
  const text = inputs.readFile(instanceFile);
  if (text !== undefined) {
    let parsed: z.infer<typeof instanceSchema> | undefined;
    try {
      const result = instanceSchema.safeParse(JSON.parse(text));
      if (result.success) parsed = result.data;
      else notes.push(`${instanceFile} is not an instance file ({ pid, startedAt, baseUrl }); ignored.`);
    } catch {
      notes.push(`${instanceFile} is not JSON; ignored.`);
    }
    if (parsed && !inputs.isAlive(parsed.pid)) notes.push(`${instanceFile} names process ${parsed.pid}, which is no longer running; ignored.`);
    else if (parsed) found.push({ baseUrl: normalizeUrl(parsed.baseUrl, instanceFile), source: `${instanceFile} (pid ${parsed.pid})` });
  }

  // The host's port: PORT, else local.settings.json Host.LocalHttpPort, else 7071.
  const localHttpPort = setting('PORT') === undefined ? settings?.Host?.LocalHttpPort : undefined;
  const portText = setting('PORT') ?? String(localHttpPort ?? 7071);
  const port = Number(portText);
  if (Number.isInteger(port) && port > 0 && port <= 65535) {
    const baseUrl = `http://127.0.0.1:${port}`;
    if (!found.some((c) => c.baseUrl === baseUrl)) found.push({ baseUrl, source: `${localHttpPort !== undefined ? 'Host.LocalHttpPort' : 'PORT'} ${port}` });
  } else {
    // PORT=0 means "any free port": only the instance file can say which one was taken.
    notes.push(`PORT is "${portText}", which names no port to try${portText === '0' ? ' (0 = any free port; the instance file tells which one was taken)' : ''}.`);
  }
  return { candidates: found, notes };
}

/** The first candidate whose `/api/local/info` answers, with that document; else a message saying where it looked. */
export async function discover<T>(
  inputs: DiscoveryInputs,
  fetchInfo: (baseUrl: string) => Promise<T>,
): Promise<{ baseUrl: string; source: string; info: T }> {
  const { candidates: list, notes } = candidates(inputs);
  const failures: string[] = [];
  for (const candidate of list) {
    try {
      return { ...candidate, info: await fetchInfo(candidate.baseUrl) };
    } catch (e) {
      failures.push(`${candidate.baseUrl} (from ${candidate.source}): ${(e as Error).message}`);
    }
  }
  const where = list.length ? list.map((c) => c.baseUrl).join(' or ') : 'any known address';
  throw new DiscoveryError(
    [
      `no control plane running at ${where}; start it with npm start (or pass --url / set HUBSPOKE_URL).`,
      ...failures.map((f) => `  tried ${f}`),
      ...notes.map((n) => `  note: ${n}`),
    ].join('\n'),
  );
}
