// `hubspoke-local info` while the control plane's configuration is invalid: the embedded default still runs (the ARM
// emulator, the token issuer), so its discovery document must still be read, and say what is wrong.
import { info, type CommandContext } from '../../../local/cli/commands';
import { infoSchema, type ControlPlaneApi } from '../../../local/cli/environment';
import { controlPlaneInfo, type ControlPlaneSummary } from '../../../local/embedded';

const problems = ['CONTROL_PLANE_TOPOLOGY: is not JSON (Unexpected token)'];
const invalid: ControlPlaneSummary = { ok: false, configSource: 'CONTROL_PLANE_TOPOLOGY (inline JSON)', problems };

describe('the controlPlane section of /api/local/info', () => {
  it('shows the problems, and an inline topology that is not JSON as text, instead of failing the section', () => {
    expect(controlPlaneInfo(invalid, undefined, '{not json')).toEqual({ problems, configSource: 'CONTROL_PLANE_TOPOLOGY (inline JSON)', topology: '{not json' });
  });

  it('shows the mode the app reads, and the topology file or document', () => {
    const ok: ControlPlaneSummary = { ok: true, mode: 'observe', configSource: '/x/topology.json (CONTROL_PLANE_TOPOLOGY_FILE)', watchedSubscriptions: [], hubs: [] };
    expect(controlPlaneInfo(ok, '/x/topology.json', undefined)).toEqual({ mode: 'observe', configSource: ok.configSource, topology: '/x/topology.json' });
    expect(controlPlaneInfo(ok, undefined, '{"a":1}')).toMatchObject({ topology: { a: 1 } });
  });
});

describe('hubspoke-local info', () => {
  it('reads a discovery document whose configuration is invalid, and prints the problems', async () => {
    const document = {
      host: { baseUrl: 'http://127.0.0.1:7071', keys: { function: false } },
      arm: { endpoint: 'https://127.0.0.1:40000', caCertFile: '/tmp/ca.pem', timeScale: 0.1 },
      subscriptions: { connectivity: 'c0000000-0000-4000-8000-000000000001', watched: ['a0000000-0000-4000-8000-0000000000a1'] },
      hubs: { error: 'The control plane configuration is invalid', problems },
      privateDns: { resourceGroupId: '/subscriptions/c0000000-0000-4000-8000-000000000001/resourceGroups/rg-dns', zones: [] },
      controlPlane: controlPlaneInfo(invalid, undefined, '{not json'),
    };
    const parsed = infoSchema.safeParse(document);
    expect(parsed.success).toBe(true);
    const ctx = {
      connect: async () => ({ info: parsed.data, api: { baseUrl: 'http://127.0.0.1:7071' } as ControlPlaneApi }),
      args: [],
      values: {},
    } as unknown as CommandContext; // info reads only connect()
    const { text } = await info(ctx);
    expect(text).toContain('Control plane:          http://127.0.0.1:7071 (configuration invalid)');
    expect(text).toContain(`Hubs:                   unknown: The control plane configuration is invalid:\n  - ${problems[0]}`);
  });
});
