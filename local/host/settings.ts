/**
 * App settings for the local host, read the way Core Tools reads them: `local.settings.json` (`Values`,
 * `Host.LocalHttpPort`) when the file exists, overlaid by the environment; the file's values are copied into the
 * environment for the app when the environment does not already set them.
 */
import * as fs from 'node:fs';
import { z } from 'zod';

export class LocalSettingsError extends Error {
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'LocalSettingsError';
  }
}

const localSettingsSchema = z.object({
  IsEncrypted: z.boolean().optional(),
  Values: z.record(z.string(), z.string()).optional(),
  Host: z
    .object({
      LocalHttpPort: z.number().int().min(0).max(65535).optional(),
      CORS: z.string().optional(),
      CORSCredentials: z.boolean().optional(),
    })
    .loose()
    .optional(),
  ConnectionStrings: z.record(z.string(), z.unknown()).optional(),
});

export type LocalSettingsFile = z.infer<typeof localSettingsSchema>;

export interface AppSettings {
  /** The setting from the environment, else from local.settings.json `Values`; undefined when neither has it. */
  get(name: string): string | undefined;
  /** `Host.LocalHttpPort` from local.settings.json, if given. */
  readonly localHttpPort: number | undefined;
  /** Where the file settings came from (absent when there was no file). */
  readonly file: string | undefined;
  /** Names defined in local.settings.json `Values`. */
  fileSettingNames(): string[];
}

function describeIssuePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map((p) => String(p)).join('.');
}

/** Reads and validates local.settings.json; returns undefined when the file does not exist. */
export function readLocalSettingsFile(file: string): LocalSettingsFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LocalSettingsError(file, `cannot be read (${(e as Error).message})`);
  }
  return parseLocalSettings(text, file);
}

/** Validates local.settings.json's text (`file` names it in a LocalSettingsError). */
export function parseLocalSettings(text: string, file: string): LocalSettingsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LocalSettingsError(file, `is not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new LocalSettingsError(file, 'must contain a JSON object such as {"IsEncrypted": false, "Values": {}}');
  }
  const parsed = localSettingsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = describeIssuePath(issue?.path ?? []);
    const hint = field.startsWith('Values.') ? ' (every value under "Values" must be a string, as in Azure app settings)' : '';
    throw new LocalSettingsError(file, `field "${field}" is invalid: ${issue?.message ?? 'unknown problem'}${hint}`);
  }
  if (parsed.data.IsEncrypted) {
    throw new LocalSettingsError(file, 'field "IsEncrypted" is true, but the local host reads plain-text settings only; decrypt the file or set it to false');
  }
  return parsed.data;
}

/**
 * A setting as npm start and the local CLI resolve it before the host runs: the environment, else local.settings.json
 * `Values`; an empty value counts as unset.
 */
export function settingOf(env: NodeJS.ProcessEnv, values: Readonly<Record<string, string>>, name: string): string | undefined {
  const value = env[name] ?? values[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Loads the settings and copies file values into `env` where `env` does not set them yet (so the app sees them as
 * environment variables, as in Azure).
 */
export function loadAppSettings(options: { file: string; env: NodeJS.ProcessEnv }): AppSettings {
  const content = readLocalSettingsFile(options.file);
  const values = content?.Values ?? {};
  for (const [name, value] of Object.entries(values)) {
    if (options.env[name] === undefined) options.env[name] = value;
  }
  return {
    get: (name) => options.env[name] ?? values[name],
    localHttpPort: content?.Host?.LocalHttpPort,
    file: content ? options.file : undefined,
    fileSettingNames: () => Object.keys(values),
  };
}
