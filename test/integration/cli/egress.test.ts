// The CLI's egress commands against the embedded default: request, list, decide, show, revoke, as local users with
// tokens from the local issuer; the API's refusals shown as its problem title and detail.
import { runCli } from '../../../local/cli/main';
import { startWorld, until, type PeeringWorld } from '../peering/support';

const SPOKE = 'a0000000-0000-4000-8000-0000000000a1/rg-payments-weu/vnet-payments-weu';
const ME = 'f0000000-0000-4000-8000-00000000000f';

describe('hubspoke-local egress', () => {
  let world: PeeringWorld;
  async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runCli({ argv: [...argv, '--url', world.embedded.baseUrl], env: {}, cwd: process.cwd(), stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('requests, lists, approves, shows the applied rule and revokes', async () => {
    const requested = await cli('egress', 'request', SPOKE, '--fqdn', 'cli.contoso.com', '--fqdn-tag', 'WindowsUpdate', '--justification', 'from the CLI', '--as', ME, '--json');
    expect(requested.stderr).toBe('');
    expect(requested.code).toBe(0);
    const id = (JSON.parse(requested.stdout) as { id: string }).id;
    expect(id).toMatch(/^egr-[0-9a-f]{24}$/);
    await until('pending', async () => ((await cli('egress', 'show', id, '--json')).stdout.includes('"status": "PendingApproval"') ? true : undefined));
    const listed = await cli('egress', 'list', '--status', 'PendingApproval', '--spoke', SPOKE);
    expect(listed.stdout).toContain(id);

    // The requester cannot approve their own request: the API's 403 problem, exit code 1.
    const self = await cli('egress', 'decide', id, '--verdict', 'approve', '--as', ME);
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/answered 403 Self approval: the requester cannot decide on their own request/);

    expect((await cli('egress', 'decide', id, '--verdict', 'approve', '--comment', 'fine')).stdout).toBe(`${id}: approve recorded\n`);
    const active = await until('active', async () => {
      const shown = await cli('egress', 'show', id);
      return shown.stdout.startsWith(`${id}: Active`) ? shown : undefined;
    }, 60_000);
    expect(active.stdout).toMatch(/rule: egr-[0-9a-f]{24} in rcg-hubspoke-egress\/spoke-vnet-payments-weu-[0-9a-f]{8} of \/subscriptions\/.+\/firewallPolicies\/fwp-hub-weu/);
    expect((await cli('egress', 'revoke', id)).code).toBe(0);
    await until('revoked', async () => ((await cli('egress', 'show', id)).stdout.startsWith(`${id}: Revoked`) ? true : undefined), 60_000);
  });

  it('checks its arguments before calling the API (exit code 2)', async () => {
    const none = await cli('egress', 'request', SPOKE, '--justification', 'x');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/needs at least one --fqdn or --fqdn-tag/);
    const badId = await cli('egress', 'show', 'nope');
    expect(badId.code).toBe(2);
    const verdict = await cli('egress', 'decide', 'egr-0123456789abcdef01234567', '--verdict', 'maybe');
    expect(verdict.stderr).toMatch(/--verdict must be approve or reject/);
  });

  it('shows the API\'s 400 naming a bad destination', async () => {
    const bad = await cli('egress', 'request', SPOKE, '--fqdn', '*.com', '--justification', 'x');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/answered 400 Invalid request: destinations\[0\] \*\.com: is a wildcard over the public suffix "com"/);
  });
});
