/**
 * `npm start`: runs the control plane on the embedded default (local Functions host, Durable engine, ARM emulator
 * seeded with the demo topology, Event Grid system topics, Azurite) until Ctrl+C. Settings come from the
 * environment and local.settings.json; see README.md "Local environment".
 */
import * as path from 'node:path';
import { readLocalSettingsFile, settingOf } from './host/settings';
import { demoTopology, loadTopology, type Topology } from './demo';
import { controlPlaneBanner, findProjectRoot, startEmbeddedDefault, taskHubNameFrom } from './embedded';
import { DEFAULT_DATA_DIR } from './dataDir';
import type { ChaosOptions } from './embedded';
import { injectionSettingsSchema } from './eventgrid/injection';

const settingFrom = (values: Record<string, string>, name: string): string | undefined => settingOf(process.env, values, name);

function numberSetting(values: Record<string, string>, name: string, fallback: number, check: (n: number) => boolean, rule: string): number {
  const raw = settingFrom(values, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || !check(n)) throw new Error(`${name} is "${raw}"; it must be ${rule}.`);
  return n;
}

function booleanSetting(values: Record<string, string>, name: string, fallback: boolean): boolean {
  const raw = settingFrom(values, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`${name} is "${raw}"; it must be true or false.`);
}

/**
 * Chaos for soaks: LOCAL_ARM_FAULT_RATE (0..0.5 of ARM requests fail), LOCAL_EVENTGRID_INJECTION (JSON: duplicate /
 * reorder / delay, as local/eventgrid/injection.ts), LOCAL_CHAOS_SEED (integer). Undefined when none is set.
 */
function chaosSettings(values: Record<string, string>): ChaosOptions | undefined {
  const rate = numberSetting(values, 'LOCAL_ARM_FAULT_RATE', 0, (n) => n >= 0 && n <= 0.5, 'a number from 0 to 0.5');
  const seed = numberSetting(values, 'LOCAL_CHAOS_SEED', 1, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer');
  const injectionText = settingFrom(values, 'LOCAL_EVENTGRID_INJECTION');
  let eventGrid: ChaosOptions['eventGrid'];
  if (injectionText) {
    let json: unknown;
    try {
      json = JSON.parse(injectionText);
    } catch {
      throw new Error(`LOCAL_EVENTGRID_INJECTION is not JSON; give e.g. {"duplicate":{"probability":0.05},"reorder":{"window":4},"delay":{"ms":200,"jitterMs":800}}.`);
    }
    const parsed = injectionSettingsSchema.safeParse(json);
    if (!parsed.success) throw new Error(`LOCAL_EVENTGRID_INJECTION: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
    eventGrid = parsed.data;
  }
  if (rate === 0 && !eventGrid && settingFrom(values, 'LOCAL_CHAOS_SEED') === undefined) return undefined;
  return { armFaultRate: rate, seed, ...(eventGrid ? { eventGrid } : {}) };
}

/** `npm start -- --fresh`; any other argument is a mistake worth naming. */
function parseArguments(args: readonly string[]): { fresh: boolean } {
  const unknown = args.filter((a) => a !== '--fresh');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.map((a) => `"${a}"`).join(', ')}; the only one is --fresh (start from an empty data folder).`);
  return { fresh: args.includes('--fresh') };
}

/** The user's topology file; a file that cannot be read names the setting that points at it. */
async function topologyFromSetting(file: string): Promise<Topology> {
  const absolute = path.resolve(file);
  try {
    return await loadTopology(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`LOCAL_TOPOLOGY_FILE is "${file}", but there is no file ${absolute}; point it at a topology JSON file or unset it to use the demo topology.`);
    if (typeof code === 'string') throw new Error(`LOCAL_TOPOLOGY_FILE is "${file}", but ${absolute} cannot be read: ${(error as Error).message}`);
    throw error;
  }
}

async function main(): Promise<void> {
  const root = findProjectRoot(__dirname);
  const settingsFile = path.join(process.cwd(), 'local.settings.json');
  const values = readLocalSettingsFile(settingsFile)?.Values ?? {};
  const args = parseArguments(process.argv.slice(2));

  const topologyFile = settingFrom(values, 'LOCAL_TOPOLOGY_FILE');
  const topology: Topology = topologyFile ? await topologyFromSetting(topologyFile) : demoTopology();
  const storageSetting = settingFrom(values, 'LOCAL_STORAGE') ?? 'disk';
  if (storageSetting !== 'disk' && storageSetting !== 'memory') {
    throw new Error(`LOCAL_STORAGE is "${storageSetting}"; it must be disk or memory.`);
  }
  const dataDir = path.resolve(settingFrom(values, 'LOCAL_DATA_DIR') ?? path.join(root, DEFAULT_DATA_DIR));
  const chaos = chaosSettings(values);
  const activityTrace = settingFrom(values, 'LOCAL_DURABLE_ACTIVITY_TRACE');

  const embedded = await startEmbeddedDefault({
    topology,
    ...(topologyFile ? { topologySource: topologyFile } : {}),
    fresh: args.fresh || booleanSetting(values, 'LOCAL_FRESH', false),
    seed: booleanSetting(values, 'LOCAL_SEED_TOPOLOGY', true),
    settingsFile,
    storage: storageSetting === 'memory' ? { kind: 'memory' } : { kind: 'disk', dir: dataDir },
    armTimeScale: numberSetting(values, 'LOCAL_ARM_TIME_SCALE', 0.1, (n) => n > 0 && n <= 10, 'a number above 0 and at most 10'),
    armThrottling: booleanSetting(values, 'LOCAL_ARM_THROTTLING', true),
    demoStamps: booleanSetting(values, 'LOCAL_DEMO_STAMPS', true),
    taskHubName: taskHubNameFrom(path.join(root, 'host.json')),
    ...(chaos ? { chaos } : {}),
    ...(activityTrace ? { activityTraceFile: path.resolve(activityTrace) } : {}),
  });

  const say = (line: string): void => embedded.host.logger.host('information', line);
  say(`Control plane running on the embedded default at ${embedded.baseUrl}`);
  say(`  Console:            ${embedded.baseUrl}/api/console/`);
  say(`  Local environment:  ${embedded.baseUrl}/api/local/info`);
  say(`  Metrics:            ${embedded.metricsUrl}  (Prometheus text; spans printed at LOCAL_LOG_LEVEL=debug)`);
  say(`  ARM emulator:       ${embedded.armEndpoint}  (CA certificate: ${embedded.caCertFile})`);
  say(`  Durable API:        ${embedded.baseUrl}/runtime/webhooks/durabletask/instances`);
  say(`  Table storage:      ${embedded.tables.tableEndpoint}`);
  say(
    storageSetting === 'memory'
      ? '  Data:               in memory (LOCAL_STORAGE=memory): nothing is kept after stop'
      : `  Data:               ${dataDir} (${embedded.resumed ? 'resumed the saved world' : 'new world, seeded from the topology'}; npm start -- --fresh starts over)`,
  );
  for (const { level, line } of controlPlaneBanner(embedded.controlPlane())) embedded.host.logger.host(level, line);
  if (chaos) embedded.host.logger.host('warning', `Chaos: ${Math.round((chaos.armFaultRate ?? 0) * 1000) / 10}% of ARM requests fail; Event Grid injection ${JSON.stringify(chaos.eventGrid ?? {})}; seed ${chaos.seed ?? 1}`);
  say('Press Ctrl+C to stop.');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping...`);
    embedded
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        console.error('Stopping failed:', error);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`Could not start the control plane: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
