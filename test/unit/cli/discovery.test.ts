import * as path from 'node:path';
import { candidates, discover, DiscoveryError, type DiscoveryInputs } from '../../../local/cli/discovery';

const PROJECT = '/work/project';
const CWD = '/home/me/somewhere';

function inputs(overrides: Partial<DiscoveryInputs> & { files?: Record<string, string>; alive?: number[] } = {}): DiscoveryInputs {
  const { files = {}, alive = [], ...rest } = overrides;
  return {
    env: {},
    cwd: CWD,
    projectRoot: PROJECT,
    isAlive: (pid) => alive.includes(pid),
    readFile: (file) => files[file],
    ...rest,
  };
}

const instance = (pid: number, baseUrl: string): string => JSON.stringify({ pid, startedAt: '2026-11-28T08:00:00.000Z', baseUrl });

describe('where the CLI looks for the control plane', () => {
  it('takes --url alone, before HUBSPOKE_URL and everything else', () => {
    const found = candidates(inputs({ url: 'http://127.0.0.1:9000/', env: { HUBSPOKE_URL: 'http://127.0.0.1:9001', PORT: '9002' } }));
    expect(found.candidates).toEqual([{ baseUrl: 'http://127.0.0.1:9000', source: '--url' }]);
  });

  it('takes HUBSPOKE_URL alone when there is no --url', () => {
    const found = candidates(inputs({ env: { HUBSPOKE_URL: 'http://127.0.0.1:9001', PORT: '9002' } }));
    expect(found.candidates).toEqual([{ baseUrl: 'http://127.0.0.1:9001', source: 'HUBSPOKE_URL' }]);
  });

  it('reads the instance file in <project>/.local-data when its process is alive, then PORT', () => {
    const file = path.join(PROJECT, '.local-data', 'instance.json');
    const found = candidates(inputs({ env: { PORT: '7100' }, files: { [file]: instance(4242, 'http://127.0.0.1:45678') }, alive: [4242] }));
    expect(found.candidates).toEqual([
      { baseUrl: 'http://127.0.0.1:45678', source: `${file} (pid 4242)` },
      { baseUrl: 'http://127.0.0.1:7100', source: 'PORT 7100' },
    ]);
  });

  it('reads the instance file in LOCAL_DATA_DIR, relative to the current folder', () => {
    const file = path.join(CWD, 'data', 'instance.json');
    const found = candidates(inputs({ env: { LOCAL_DATA_DIR: 'data' }, files: { [file]: instance(7, 'http://127.0.0.1:5000') }, alive: [7] }));
    expect(found.candidates[0]).toEqual({ baseUrl: 'http://127.0.0.1:5000', source: `${file} (pid 7)` });
  });

  it('ignores an instance file whose process is gone, and says so', () => {
    const file = path.join(PROJECT, '.local-data', 'instance.json');
    const found = candidates(inputs({ files: { [file]: instance(4242, 'http://127.0.0.1:45678') }, alive: [] }));
    expect(found.candidates).toEqual([{ baseUrl: 'http://127.0.0.1:7071', source: 'PORT 7071' }]);
    expect(found.notes).toEqual([`${file} names process 4242, which is no longer running; ignored.`]);
  });

  it.each([
    ['not JSON', '{pid', 'is not JSON; ignored.'],
    ['missing baseUrl', JSON.stringify({ pid: 1, startedAt: 'now' }), 'is not an instance file ({ pid, startedAt, baseUrl }); ignored.'],
    ['a baseUrl that is not http', instance(1, 'ftp://x'), 'is not an instance file'],
  ])('ignores an instance file that is %s', (_case, text, note) => {
    const file = path.join(PROJECT, '.local-data', 'instance.json');
    const found = candidates(inputs({ files: { [file]: text }, alive: [1] }));
    expect(found.candidates).toEqual([{ baseUrl: 'http://127.0.0.1:7071', source: 'PORT 7071' }]);
    expect(found.notes[0]).toContain(note);
  });

  it('reads PORT and LOCAL_DATA_DIR from local.settings.json in the current folder, as npm start does', () => {
    const settings = path.join(CWD, 'local.settings.json');
    const found = candidates(inputs({ files: { [settings]: JSON.stringify({ Values: { PORT: '7200', LOCAL_DATA_DIR: '' } }) } }));
    expect(found.candidates).toEqual([{ baseUrl: 'http://127.0.0.1:7200', source: 'PORT 7200' }]);
  });

  it('takes the port from local.settings.json Host.LocalHttpPort when PORT is unset, as the host does', () => {
    const settings = path.join(CWD, 'local.settings.json');
    const found = candidates(inputs({ files: { [settings]: JSON.stringify({ Values: {}, Host: { LocalHttpPort: 7301 } }) } }));
    expect(found.candidates).toEqual([{ baseUrl: 'http://127.0.0.1:7301', source: 'Host.LocalHttpPort 7301' }]);
  });

  it('notes a local.settings.json that npm start would refuse, and uses none of its settings', () => {
    const settings = path.join(CWD, 'local.settings.json');
    const found = candidates(inputs({ files: { [settings]: JSON.stringify({ Values: { PORT: 7200 } }) } }));
    expect(found.candidates).toEqual([{ baseUrl: 'http://127.0.0.1:7071', source: 'PORT 7071' }]);
    expect(found.notes).toEqual([`${settings}: field "Values.PORT" is invalid: Invalid input: expected string, received number (every value under "Values" must be a string, as in Azure app settings); its settings are not used.`]);
  });

  it('has nothing to try for PORT=0 without an instance file, and explains why', () => {
    const found = candidates(inputs({ env: { PORT: '0' } }));
    expect(found.candidates).toEqual([]);
    expect(found.notes[0]).toContain('0 = any free port; the instance file tells which one was taken');
  });

  it('rejects a --url that is not an http URL', () => {
    expect(() => candidates(inputs({ url: 'localhost:7071' }))).toThrow('--url "localhost:7071" must be an http:// or https:// URL.');
    expect(() => candidates(inputs({ env: { HUBSPOKE_URL: 'nope' } }))).toThrow('HUBSPOKE_URL "nope" is not a URL');
  });
});

describe('discover', () => {
  it('confirms each candidate in order and returns the first that answers', async () => {
    const file = path.join(PROJECT, '.local-data', 'instance.json');
    const asked: string[] = [];
    const found = await discover(inputs({ files: { [file]: instance(4242, 'http://127.0.0.1:45678') }, alive: [4242] }), async (baseUrl) => {
      asked.push(baseUrl);
      if (baseUrl.endsWith(':45678')) throw new Error('nothing listens there');
      return { ok: baseUrl };
    });
    expect(asked).toEqual(['http://127.0.0.1:45678', 'http://127.0.0.1:7071']);
    expect(found).toEqual({ baseUrl: 'http://127.0.0.1:7071', source: 'PORT 7071', info: { ok: 'http://127.0.0.1:7071' } });
  });

  it('says where it looked and how to start the control plane when nothing answers', async () => {
    const failing = discover(inputs({ env: { PORT: '7300' } }), async () => {
      throw new Error('nothing listens there');
    });
    await expect(failing).rejects.toThrow(DiscoveryError);
    await expect(failing).rejects.toThrow(
      'no control plane running at http://127.0.0.1:7300; start it with npm start (or pass --url / set HUBSPOKE_URL).\n  tried http://127.0.0.1:7300 (from PORT 7300): nothing listens there',
    );
  });
});
