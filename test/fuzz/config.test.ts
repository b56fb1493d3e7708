/**
 * Fuzzing of the configuration: app settings (every setting the configuration reads: unset, plausible or garbage)
 * with a topology document (the demo's full document - hubs, peering, private DNS, stamps, egress - with fields
 * replaced, removed, duplicated or added at any depth, or any JSON). Property: loadConfig returns a configuration or
 * throws a ConfigError with at least one problem, each naming the setting or the document's field it is about; it
 * never throws anything else.
 */
import fc from 'fast-check';
import { controlPlaneTopology, demoTopology } from '../../local/demo';
import { DEMO_STAMPS, demoStampsConfig } from '../../local/demo/stamps';
import { CONFIG_SETTINGS, ConfigError, loadConfig } from '../../shared/config';
import { FUZZ_TIMEOUT_MS, fuzzParameters, settingsEnv, topologyDocument } from './arbitraries';

const base = {
  ...controlPlaneTopology(demoTopology(), { url: 'https://platform.example/api', audience: 'api://platform' }),
  stamps: demoStampsConfig(Object.fromEntries(DEMO_STAMPS.map((s) => [s.name, `https://${s.hostName}/health`])), { probeIntervalSeconds: 10 }),
};

/** Where a problem says it is: a setting's name or the topology document. */
const NAMED = new RegExp(`^(${[...CONFIG_SETTINGS, 'topology'].join('|')})\\b|^(TABLES_CONNECTION_STRING|AUTH_TENANT_ID)`);

describe('fuzz: configuration (settings and topology document)', () => {
  it('the base document is valid, so mutations start from a configuration that loads', () => {
    expect(() => loadConfig({ CONTROL_PLANE_TOPOLOGY: JSON.stringify(base), TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true', AUTH_TENANT_ID: '00000000-0000-4000-8000-000000000001' })).not.toThrow();
  });

  it('loads or names every problem, for any settings and any document', () => {
    const seen = { loaded: 0, refused: 0 };
    fc.assert(
      fc.property(settingsEnv(topologyDocument(base)), (env) => {
        let config: unknown;
        try {
          config = loadConfig(env, __dirname);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw new Error(`loadConfig threw ${(e as Error).name}: ${(e as Error).message}\nenv: ${JSON.stringify(env).slice(0, 2000)}`);
          expect(e.problems.length).toBeGreaterThan(0);
          for (const problem of e.problems) {
            if (!NAMED.test(problem)) throw new Error(`a problem that names no setting or field: "${problem}"\nenv: ${JSON.stringify(env).slice(0, 2000)}`);
          }
          seen.refused += 1;
          return;
        }
        seen.loaded += 1;
        expect(config).toEqual(expect.objectContaining({ mode: expect.stringMatching(/^(enforce|observe)$/) }));
      }),
      fuzzParameters(Number(process.env.FUZZ_CONFIG_RUNS ?? '400')),
    );
    // Both outcomes were reached: the generators neither only break nor only keep the configuration.
    expect(seen.loaded).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  }, FUZZ_TIMEOUT_MS);
});
