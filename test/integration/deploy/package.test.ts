// `npm run package` (local/build/package.js) builds the production zip; this test unpacks it into a folder of its own
// (under the system temp folder: no node_modules above it to fall back on) and runs the control plane from it through
// the local host, with only the package's production dependencies there, down to a spoke peered end to end.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NetworkManagementClient } from '@azure/arm-network';
import { demoTopology, staticTokenCredential } from '../../../local/demo';
import { apiFetch } from '../operator-token';

const root = path.resolve(__dirname, '../../..');
const runner = path.join(root, 'dist/test/fixtures/package-host/run.js');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string> };

interface LockEntry {
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else out.push(full);
  }
  return out;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, output: () => string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the production package (npm run package)', () => {
  let dir: string;
  let zip: string;
  let unpacked: string;
  let packageOutput: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-package-'));
    // dist/ is built by the jest global setup; building again here would rewrite files other suites are loading.
    const run = spawnSync(process.execPath, [path.join(root, 'local/build/package.js'), '--skip-build', '--out', dir], { cwd: root, encoding: 'utf8' });
    packageOutput = `${run.stdout}${run.stderr}`;
    if (run.status !== 0) throw new Error(`npm run package failed:\n${packageOutput}`);
    zip = run.stdout.trim().split('\n').pop() ?? '';
    unpacked = path.join(dir, 'unpacked');
    const unzip = spawnSync('unzip', ['-q', zip, '-d', unpacked], { encoding: 'utf8' });
    if (unzip.status !== 0) throw new Error(`unzip failed: ${unzip.stderr}`);
  }, 240_000);

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints the zip path as its last line', () => {
    expect(zip).toBe(path.join(dir, `${pkg.name}-${pkg.version}.zip`));
    expect(fs.statSync(zip).size).toBeGreaterThan(0);
  });

  it('holds the compiled app, the console\'s assets and host.json, never local/, tests, sources or source maps', () => {
    expect(fs.readdirSync(unpacked).sort()).toEqual(['console', 'dist', 'host.json', 'node_modules', 'package-lock.json', 'package.json']);
    expect(fs.readdirSync(path.join(unpacked, 'console'))).toEqual(expect.arrayContaining(['index.html', 'app.js', 'style.css', 'pages']));
    expect(fs.readdirSync(path.join(unpacked, 'dist')).sort()).toEqual(['functions', 'orchestrations', 'shared']);
    const appFiles = filesUnder(path.join(unpacked, 'dist')).map((f) => path.relative(unpacked, f));
    expect(appFiles).toContain(path.join('dist', 'functions', 'index.js'));
    expect(appFiles.filter((f) => !f.endsWith('.js') && !f.endsWith('.json'))).toEqual([]);
    expect(fs.readFileSync(path.join(unpacked, 'host.json'), 'utf8')).toBe(fs.readFileSync(path.join(root, 'host.json'), 'utf8'));
    const staged = JSON.parse(fs.readFileSync(path.join(unpacked, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(staged.main).toBe('dist/functions/index.js');
    expect(staged.engines).toEqual({ node: '>=22' });
    expect(staged.scripts).toBeUndefined();
  });

  it('installs every production dependency of the lock and no package that only development needs', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
    const entries = Object.entries(lock.packages).filter(([key]) => key.startsWith('node_modules/'));
    const devOnly = entries.filter(([, e]) => e.dev === true).map(([key]) => key);
    const production = entries.filter(([, e]) => !e.dev && !e.optional && !e.devOptional).map(([key]) => key);
    expect(devOnly).toEqual(expect.arrayContaining(['node_modules/azurite', 'node_modules/jest', 'node_modules/typescript', 'node_modules/selfsigned']));
    expect(devOnly.filter((key) => fs.existsSync(path.join(unpacked, key)))).toEqual([]);
    expect(production.filter((key) => !fs.existsSync(path.join(unpacked, key)))).toEqual([]);
    for (const name of Object.keys(pkg.dependencies)) expect(fs.existsSync(path.join(unpacked, 'node_modules', name))).toBe(true);
  });

  it('runs from the unpacked package through the local host, requiring nothing outside it, and peers a new spoke', async () => {
    const child: ChildProcess = spawn(process.execPath, [runner, unpacked], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', LOCAL_LOG_LEVEL: 'warning' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const baseUrl = await until(
        'the package app to start',
        async () => {
          if (child.exitCode !== null) throw new Error(`the package host exited ${child.exitCode}:\n${output}`);
          return /package app running at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
        },
        () => output,
      );
      const info = (await (await fetch(`${baseUrl}/api/local/info`)).json()) as {
        arm: { endpoint: string; caCertFile: string };
        functions: Array<{ name: string }>;
      };
      expect(info.functions.map((f) => f.name)).toEqual(expect.arrayContaining(['resourceEvents', 'listSpokes']));

      const topology = demoTopology();
      const workload = topology.workloads.find((w) => w.watched && w.spokes.some((s) => s.region === 'westeurope'));
      const rg = workload?.spokes.find((s) => s.region === 'westeurope')?.resourceGroup;
      if (!workload || !rg) throw new Error('the demo topology has no watched westeurope spoke');
      const network = new NetworkManagementClient(staticTokenCredential({ tenantId: topology.tenantId }), workload.subscriptionId, {
        endpoint: info.arm.endpoint,
        tlsOptions: { ca: fs.readFileSync(info.arm.caCertFile, 'utf8') },
      });
      await network.virtualNetworks.beginCreateOrUpdateAndWait(
        rg,
        'vnet-from-package',
        { location: 'westeurope', addressSpace: { addressPrefixes: ['10.210.0.0/24'] } },
        { updateIntervalInMs: 5 },
      );
      // The packaged app serves the console from its own console/ folder.
      const page = await fetch(`${baseUrl}/api/console/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const spokeUrl = `${baseUrl}/api/spokes/${workload.subscriptionId}/${rg}/vnet-from-package`;
      const reason = await until(
        'the spoke to converge',
        async () => {
          const response = await apiFetch(spokeUrl);
          if (response.status !== 200) return undefined;
          const body = (await response.json()) as { condition?: { reason?: string } };
          return body.condition?.reason === 'Converged' ? body.condition.reason : undefined;
        },
        () => output,
      );
      expect(reason).toBe('Converged');
      child.kill('SIGTERM');
      await expect(exited).resolves.toBe(0);
      expect(output).not.toContain('escaped ');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
