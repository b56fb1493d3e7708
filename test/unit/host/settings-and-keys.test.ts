import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkKey, keyLevelOf } from '../../../local/host/keys';
import { createLogger, parseLogLevel } from '../../../local/host/logger';
import { loadAppSettings } from '../../../local/host/settings';

describe('local.settings.json', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-settings-'));
    file = path.join(dir, 'local.settings.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads Values and Host.LocalHttpPort, lets the environment win, and fills the environment', () => {
    fs.writeFileSync(file, JSON.stringify({ IsEncrypted: false, Values: { A: 'file', B: 'file' }, Host: { LocalHttpPort: 7072, CORS: '*' } }));
    const env: NodeJS.ProcessEnv = { B: 'env' };
    const settings = loadAppSettings({ file, env });
    expect([settings.get('A'), settings.get('B'), settings.get('C'), settings.localHttpPort, settings.file]).toEqual(['file', 'env', undefined, 7072, file]);
    expect(env).toEqual({ A: 'file', B: 'env' });
  });

  it('is optional', () => {
    const settings = loadAppSettings({ file, env: { X: '1' } });
    expect([settings.get('X'), settings.file, settings.localHttpPort]).toEqual(['1', undefined, undefined]);
  });

  it.each([
    ['{ "Values": ', 'is not valid JSON'],
    ['[]', 'must contain a JSON object'],
    ['{ "Values": { "PORT": 7071 } }', 'field "Values.PORT" is invalid: Invalid input: expected string, received number (every value under "Values" must be a string'],
    ['{ "Values": [] }', 'field "Values" is invalid'],
    ['{ "Host": { "LocalHttpPort": "7071" } }', 'field "Host.LocalHttpPort" is invalid'],
    ['{ "Host": { "LocalHttpPort": 70000 } }', 'field "Host.LocalHttpPort" is invalid'],
    ['{ "IsEncrypted": true, "Values": {} }', 'field "IsEncrypted" is true, but the local host reads plain-text settings only'],
  ])('names the file and the bad field: %s', (content, reason) => {
    fs.writeFileSync(file, content);
    expect(() => loadAppSettings({ file, env: {} })).toThrow(`${file}: `);
    expect(() => loadAppSettings({ file, env: {} })).toThrow(reason);
  });
});

describe('function keys', () => {
  const keys = { functionKey: 'f', masterKey: 'm', eventGridKey: 'e' };
  it.each([
    ['anonymous', undefined, keys, true],
    ['function', 'f', keys, true],
    ['function', 'm', keys, true],
    ['function', 'e', keys, false],
    ['function', undefined, keys, false],
    ['admin', 'f', keys, false],
    ['admin', 'm', keys, true],
    ['eventgrid', 'e', keys, true],
    ['eventgrid', 'm', keys, true],
    ['eventgrid', undefined, { masterKey: 'm' }, true], // no LOCAL_EVENTGRID_KEY: the webhook is open
    ['function', undefined, {}, true], // no keys configured: not enforced, as under Core Tools
    ['admin', undefined, { functionKey: 'f' }, true],
  ] as const)('%s level with key %s -> %s', (level, presented, configured, ok) => {
    expect(checkKey(level, presented, configured).ok).toBe(ok);
  });

  it.each([
    ['anonymous', 'anonymous'],
    ['FUNCTION', 'function'],
    ['admin', 'admin'],
    ['system', 'admin'],
    [undefined, 'anonymous'],
  ])('authLevel %s needs %s keys', (authLevel, level) => {
    expect(keyLevelOf(authLevel)).toBe(level);
  });
});

describe('log lines', () => {
  it('prints one line with time, level, function, invocation and message, above the minimum level', () => {
    const lines: string[] = [];
    const logger = createLogger({ minimum: parseLogLevel('Information', 'LOCAL_LOG_LEVEL'), now: () => Date.UTC(2026, 0, 5), sink: (l) => lines.push(l) });
    logger.log({ level: 'debug', functionName: 'f', invocationId: 'i', message: 'hidden' });
    logger.log({ level: 'warning', functionName: 'f', invocationId: 'i', message: 'two\nlines' });
    logger.host('information', 'host line');
    expect(lines).toEqual(['2026-01-05T00:00:00.000Z warning f i two\\nlines', '2026-01-05T00:00:00.000Z information host - host line']);
  });

  it.each([
    [undefined, 'information'],
    ['warn', 'warning'],
    ['TRACE', 'trace'],
    ['None', 'none'],
  ])('LOCAL_LOG_LEVEL %s means %s', (value, level) => {
    expect(parseLogLevel(value, 'LOCAL_LOG_LEVEL')).toBe(level);
  });
});
