// The CLI's answers on the paths the README does not walk: errors with their exit codes and messages, --json,
// writes that keep what they do not change, and function keys. The embedded default runs the real app in process
// (with LOCAL_FUNCTION_KEY set); the CLI runs through runCli exactly as its bin does.
import { runCli } from '../../../local/cli/main';
import { startWorld, type PeeringWorld } from '../peering/support';
import { freePort } from './free-port';

const A = 'a0000000-0000-4000-8000-0000000000a1';
const B = 'b0000000-0000-4000-8000-0000000000b1';
const KEY = 'local-function-key-for-the-cli-test';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

describe('hubspoke-local against the embedded default', () => {
  let world: PeeringWorld;

  async function cli(...argv: string[]): Promise<Ran> {
    let stdout = '';
    let stderr = '';
    const code = await runCli({
      argv: [...argv, '--url', world.embedded.baseUrl],
      env: { HUBSPOKE_FUNCTION_KEY: KEY },
      cwd: process.cwd(),
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
    });
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    world = await startWorld({ LOCAL_FUNCTION_KEY: KEY });
  });
  afterAll(async () => {
    await world?.stop();
    delete process.env.LOCAL_FUNCTION_KEY;
  });

  it('says where it looked and how to start the control plane when nothing answers', async () => {
    const port = await freePort();
    let stderr = '';
    const code = await runCli({ argv: ['spokes'], env: { HUBSPOKE_URL: `http://127.0.0.1:${port}` }, cwd: process.cwd(), stdout: () => undefined, stderr: (t) => (stderr += t) });
    expect(code).toBe(1);
    expect(stderr).toBe(
      `hubspoke-local: no control plane running at http://127.0.0.1:${port}; start it with npm start (or pass --url / set HUBSPOKE_URL).\n  tried http://127.0.0.1:${port} (from HUBSPOKE_URL): nothing listens there\n`,
    );
  });

  it('answers a bad command line with exit code 2 and a pointer to --help, before looking for the control plane', async () => {
    let stderr = '';
    const code = await runCli({ argv: ['vnet', 'create', `${A}/rg/x`, '--location', 'westeurope'], env: { HUBSPOKE_URL: 'http://127.0.0.1:9' }, cwd: process.cwd(), stdout: () => undefined, stderr: (t) => (stderr += t) });
    expect(code).toBe(2);
    expect(stderr).toBe('hubspoke-local: "vnet create" needs at least one --address-prefix.\nRun "hubspoke-local vnet create --help" for usage.\n');
  });

  it('prints the discovery document with --json', async () => {
    const ran = await cli('info', '--json');
    expect(ran.code).toBe(0);
    const info = JSON.parse(ran.stdout) as { host: { baseUrl: string }; auth: { tokenUrl: string }; arm: { endpoint: string } };
    expect(info.host.baseUrl).toBe(world.embedded.baseUrl);
    expect(info.arm.endpoint).toBe(world.embedded.armEndpoint);
    expect(info.auth.tokenUrl).toBe(`${world.embedded.baseUrl}/api/local/token`);
  });

  it('calls the operator routes with a ControlPlane.Operator token it gets from the local issuer (keys or not)', async () => {
    expect((await cli('spokes')).code).toBe(0);
    // The operator routes are authorized by token, not by function key: the CLI without a key still gets an answer.
    const code = await runCli({ argv: ['spokes', '--url', world.embedded.baseUrl], env: {}, cwd: process.cwd(), stdout: () => undefined, stderr: () => undefined });
    expect(code).toBe(0);
    // ...which the API would refuse without the token.
    const bare = await fetch(`${world.embedded.baseUrl}/api/spokes`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('refuses to create a VNet that exists, and leaves it as it was', async () => {
    const before = JSON.parse((await cli('vnet', 'show', `${A}/rg-payments-weu/vnet-payments-weu`, '--json')).stdout) as Record<string, unknown>;
    const ran = await cli('vnet', 'create', `${A}/rg-payments-weu/vnet-payments-weu`, '--location', 'westeurope', '--address-prefix', '10.99.0.0/24');
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(
      `hubspoke-local: VNet /subscriptions/${A}/resourceGroups/rg-payments-weu/providers/Microsoft.Network/virtualNetworks/vnet-payments-weu already exists; change it with "vnet update".\n`,
    );
    const after = JSON.parse((await cli('vnet', 'show', `${A}/rg-payments-weu/vnet-payments-weu`, '--json')).stdout) as Record<string, unknown>;
    expect(after).toEqual(before);
  });

  it('changes only what vnet update names: subnets, other tags and peerings stay', async () => {
    const ref = `${B}/rg-analytics-weu/vnet-analytics-weu`;
    const before = JSON.parse((await cli('vnet', 'show', ref, '--json')).stdout) as { subnets: unknown[]; tags: Record<string, string>; peerings: unknown[]; addressPrefixes: string[] };
    const ran = await cli('vnet', 'update', ref, '--tag', 'owner=platform');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe(`Updated VNet ${ref}: tags owner=platform\n`);
    const after = JSON.parse((await cli('vnet', 'show', ref, '--json')).stdout) as typeof before;
    expect(after.tags).toEqual({ ...before.tags, owner: 'platform' });
    expect(after.subnets).toEqual(before.subnets);
    expect(after.addressPrefixes).toEqual(before.addressPrefixes);
    expect(after.peerings).toHaveLength(before.peerings.length);

    const removed = await cli('vnet', 'update', ref, '--remove-tag', 'OWNER');
    expect(removed.code).toBe(0);
    expect((JSON.parse((await cli('vnet', 'show', ref, '--json')).stdout) as typeof before).tags).toEqual(before.tags);
    expect((await cli('vnet', 'update', ref)).stderr).toContain('"vnet update" needs a change');
  });

  it('shows both sides of a peering with --json', async () => {
    const ran = await cli('peerings', `${A}/rg-payments-weu/vnet-payments-weu`, '--json');
    expect(ran.code).toBe(0);
    const body = JSON.parse(ran.stdout) as { peerings: { local: { peeringState: string; peeringSyncLevel: string }; remote: { peeringState: string; remoteVirtualNetwork: string } | null }[] };
    expect(body.peerings).toHaveLength(1);
    expect(body.peerings[0]?.local).toMatchObject({ peeringState: 'Connected', peeringSyncLevel: 'FullyInSync' });
    expect(body.peerings[0]?.remote).toMatchObject({ peeringState: 'Connected' });
    expect(body.peerings[0]?.remote?.remoteVirtualNetwork.toLowerCase()).toContain('/virtualnetworks/vnet-payments-weu');
  });

  it('names the subnets a VNet has when the endpoint\'s subnet is missing, and creates nothing', async () => {
    const pe = `${A}/rg-payments-batch-weu/pe-nosubnet`;
    const ran = await cli('endpoint', 'create', pe, '--vnet', 'vnet-payments-batch-weu', '--group-id', 'blob', '--target', `/subscriptions/${A}/resourceGroups/rg-payments-batch-weu/providers/Microsoft.Storage/storageAccounts/st1`);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(
      `hubspoke-local: VNet ${A}/rg-payments-batch-weu/vnet-payments-batch-weu has no subnet "snet-pe" (it has: snet-batch); pass --subnet or add one with "vnet update --subnet snet-pe=<cidr>".\n`,
    );
    const show = await cli('endpoint', 'show', pe);
    expect(show.code).toBe(1);
    expect(show.stderr).toContain('does not exist');
  });

  it('reports a missing VNet, an unknown zone and a wait that times out, each with exit code 1', async () => {
    const missing = await cli('vnet', 'delete', `${A}/rg-payments-weu/no-such-vnet`);
    expect([missing.code, missing.stderr]).toEqual([1, `hubspoke-local: VNet /subscriptions/${A}/resourceGroups/rg-payments-weu/providers/Microsoft.Network/virtualNetworks/no-such-vnet does not exist.\n`]);

    const zone = await cli('dns', 'records', '--zone', 'privatelink.example.com');
    expect(zone.code).toBe(1);
    expect(zone.stderr).toContain('no zone privatelink.example.com in /subscriptions/c0000000-0000-4000-8000-0000000000c1/resourceGroups/rg-privatedns');

    const waited = await cli('spoke', 'status', `${A}/rg-payments-weu/no-such-vnet`, '--wait', 'Converged', '--timeout', '1');
    expect(waited.code).toBe(1);
    expect(waited.stderr).toBe('hubspoke-local: timed out after 1 s waiting for spoke no-such-vnet to be Converged; last seen: not recorded yet\n');
  });

  it('lists the demo\'s A records and endpoints', async () => {
    const records = await cli('dns', 'records', '--json');
    expect(records.code).toBe(0);
    expect(JSON.parse(records.stdout)).toContainEqual({
      zone: 'privatelink.blob.core.windows.net',
      name: 'stpaymentsweu',
      fqdn: 'stpaymentsweu.privatelink.blob.core.windows.net',
      ipAddresses: [expect.stringMatching(/^10\.10\.0\.\d+$/)],
    });
    const endpoints = await cli('endpoint', 'list', '--subscription', B);
    expect(endpoints.code).toBe(0);
    expect(endpoints.stdout).toMatch(/pe-acr-analytics-weu +\S+\/acranalytics +registry/);
    expect(endpoints.stdout).not.toContain(A);
  });

  it('mints a token with --json, and checks token arguments before asking the issuer', async () => {
    const minted = await cli('token', '--oid', '22222222-2222-4222-8222-222222222222', '--name', 'Bob', '--role', 'Reader', '--expires-in', '600', '--audience', 'api://other', '--json');
    expect(minted.code).toBe(0);
    const body = JSON.parse(minted.stdout) as { access_token: string; token_type: string; expires_in: number };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600 });
    const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({ oid: '22222222-2222-4222-8222-222222222222', name: 'Bob', roles: ['Reader'], aud: 'api://other' });

    const short = await cli('token', '--oid', '22222222-2222-4222-8222-222222222222', '--name', 'Bob', '--expires-in', '30');
    expect([short.code, short.stderr]).toEqual([2, 'hubspoke-local: --expires-in "30" must be a whole number of seconds from 60 to 86400.\nRun "hubspoke-local token --help" for usage.\n']);
    const many = await cli('token', '--oid', '22222222-2222-4222-8222-222222222222', '--name', 'Bob', ...Array.from({ length: 51 }, (_, i) => ['--role', `r${i}`]).flat());
    expect([many.code, many.stderr.split('\n')[0]]).toEqual([2, 'hubspoke-local: --role is given 51 times; at most 50.']);
    const spaced = await cli('token', '--oid', '22222222-2222-4222-8222-222222222222', '--name', 'Bob', '--role', 'two words');
    expect(spaced.code).toBe(1);
    expect(spaced.stderr).toContain('answered 400 InvalidTokenRequest: roles.0: each role must be 1-120 characters without spaces');
  });
});
