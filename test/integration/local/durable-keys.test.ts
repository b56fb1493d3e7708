// The Durable management routes need the master key when LOCAL_MASTER_KEY is set (in Azure: the durabletask
// extension's system key or the master key), while df.getClient() keeps working: its binding carries the key in
// every link, and its calls go to the keyless loopback RPC endpoint, as the extension's rpcBaseUrl does in Azure.
import * as path from 'node:path';
import { demoTopology } from '../../../local/demo';
import { startEmbeddedDefault, taskHubNameFrom, type EmbeddedDefault } from '../../../local/embedded';

const entry = path.resolve(__dirname, '../../fixtures/embedded-app/index.ts');
const root = path.resolve(__dirname, '../../..');
const MASTER_KEY = 'durable-master-key';

describe('the embedded default with LOCAL_MASTER_KEY: Durable management routes', () => {
  let embedded: EmbeddedDefault;

  beforeAll(async () => {
    embedded = await startEmbeddedDefault({
      entries: [entry],
      topology: demoTopology(),
      seed: false,
      port: 0,
      env: { LOCAL_LOG_LEVEL: 'error', LOCAL_MASTER_KEY: MASTER_KEY },
      settingsFile: path.join(root, 'no-such-local.settings.json'),
      storage: { kind: 'memory' },
      armTimeScale: 0.001,
      taskHubName: taskHubNameFrom(path.join(root, 'host.json')),
    });
  });

  afterAll(async () => {
    await embedded?.stop();
  });

  it('gives the app a durable client binding whose links carry the key and whose rpcBaseUrl is a keyless loopback endpoint', () => {
    const data = JSON.parse(String(embedded.engine.clientInput().string)) as {
      requiredQueryStringParameters: string;
      creationUrls: Record<string, string>;
      managementUrls: Record<string, string>;
      rpcBaseUrl: string;
    };
    expect(data.requiredQueryStringParameters).toBe(`taskHub=HubSpokeControlPlane&connection=Storage&code=${MASTER_KEY}`);
    for (const url of [...Object.values(data.creationUrls), ...Object.entries(data.managementUrls).filter(([k]) => k !== 'id').map(([, v]) => v)]) {
      expect(url).toContain(`code=${MASTER_KEY}`);
    }
    expect(data.rpcBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/durabletask\/$/);
    expect(new URL(data.rpcBaseUrl).origin).not.toBe(new URL(embedded.baseUrl).origin);
  });

  it('runs an orchestration through df.getClient() and hands out status links that carry the key', async () => {
    const started = await fetch(`${embedded.baseUrl}/api/greetings`, { method: 'POST', body: 'keyed team' });
    expect(started.status).toBe(202);
    const links = (await started.json()) as { id: string; statusQueryGetUri: string };
    expect(links.statusQueryGetUri).toContain(`code=${MASTER_KEY}`);
    let status: { runtimeStatus: string; output: unknown } | undefined;
    for (let i = 0; i < 400 && status?.runtimeStatus !== 'Completed'; i++) {
      const res = await fetch(links.statusQueryGetUri);
      expect([200, 202]).toContain(res.status);
      status = (await res.json()) as { runtimeStatus: string; output: unknown };
      if (status.runtimeStatus !== 'Completed') await new Promise((r) => setTimeout(r, 25));
    }
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'hello keyed team' });

    const bare = `${embedded.baseUrl}/runtime/webhooks/durabletask/instances/${links.id}`;
    expect((await fetch(bare)).status).toBe(401);
    expect((await fetch(`${bare}?code=wrong`)).status).toBe(401);
    expect((await fetch(bare, { headers: { 'x-functions-key': MASTER_KEY } })).status).toBe(200);
    expect((await fetch(`${embedded.baseUrl}/runtime/webhooks/durabletask/instances?code=wrong`)).status).toBe(401);
  });
});
