// The README's quick start, run verbatim: the `sh start` block starts the control plane as a user would (npm start,
// in a temporary LOCAL_DATA_DIR, on a free PORT given through the environment), then every line of every `sh try-it`
// block runs, in order, through bash with that environment, from the project folder: exit code 0 and the key output.
// A README line that breaks, or a step whose key output is gone, fails this test.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { freePort } from './free-port';

const root = path.resolve(__dirname, '../../..');
const README = path.join(root, 'README.md');

/** The lines of every fenced block whose info string is exactly `info`, continuation lines joined, comments dropped. */
function blockLines(markdown: string, info: string): string[] {
  const lines: string[] = [];
  const fence = /^```([^\n]*)\n([\s\S]*?)^```\s*$/gm;
  for (const match of markdown.matchAll(fence)) {
    if ((match[1] ?? '').trim() !== info) continue;
    const joined = (match[2] ?? '').replace(/\\\n\s*/g, '');
    for (const line of joined.split('\n')) {
      const trimmed = line.trim();
      if (trimmed && !trimmed.startsWith('#')) lines.push(trimmed);
    }
  }
  return lines;
}

interface Expectation {
  command: RegExp;
  output: RegExp[];
  check?: (stdout: string) => Promise<void>;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runLine(line: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', line], { cwd: root, env, timeout: 150_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('README quick start and "try it", verbatim', () => {
  const readme = fs.readFileSync(README, 'utf8');
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let controlPlane: ChildProcess | undefined;
  let output = '';
  let baseUrl = '';

  /** Whether any process of the group this test started is still there (signal 0 only checks). */
  const groupAlive = (pgid: number): boolean => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };

  afterAll(async () => {
    const pgid = controlPlane?.pid;
    if (pgid !== undefined && groupAlive(pgid)) {
      // npm start runs the control plane under npm: stop the whole group this test started, and wait until every
      // process of it is gone (npm may exit before the control plane has finished writing its data folder).
      process.kill(-pgid, 'SIGTERM');
      const deadline = Date.now() + 20_000;
      while (groupAlive(pgid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
      for (let i = 0; i < 100 && groupAlive(pgid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('the start block is npm ci, then npm start', () => {
    expect(blockLines(readme, 'sh start')).toEqual(['npm ci', 'npm start']);
  });

  it('runs every try-it line with exit code 0 and its key output', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-readme-'));
    const port = await freePort();
    // Only what a person's shell would have, plus the two settings the README's steps depend on.
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.homedir(),
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      PORT: String(port),
      LOCAL_DATA_DIR: path.join(dir, 'data'),
    };

    // `npm ci` is what produced this checkout's node_modules; `npm start`'s prestart build is what jest's global
    // setup already did (rebuilding dist/ here would race the other suites that run it). --ignore-scripts skips
    // only the pre/post scripts: npm still runs the start script itself.
    const start = blockLines(readme, 'sh start');
    expect(start.at(-1)).toBe('npm start');
    controlPlane = spawn('bash', ['-c', `${start.at(-1) ?? ''} --ignore-scripts`], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    controlPlane.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    controlPlane.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 90_000;
    for (;;) {
      const match = /Control plane running on the embedded default at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        baseUrl = match[1];
        break;
      }
      if (controlPlane.exitCode !== null || Date.now() > deadline) throw new Error(`the control plane did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(baseUrl).toBe(`http://127.0.0.1:${port}`);

    const expectations: Expectation[] = [
      { command: /^npx hubspoke-local info$/, output: [/^Token issuer: +http:\/\/127\.0\.0\.1:\d+\/local\/identity\/[0-9a-f-]+\/v2\.0/m, /^Watched subscriptions: +a0000000/m] },
      { command: /^npx hubspoke-local vnet create \S+\/my-spoke .*--wait Converged$/, output: [/^Created VNet \S+\/my-spoke in westeurope: 10\.200\.0\.0\/24$/m, /^ {2}Peered True Converged: peered with hub westeurope/m] },
      { command: /^npx hubspoke-local peerings /, output: [/^this +\S+\/my-spoke +hub-vnet-hub-weu-\w+ +Connected +FullyInSync$/m, /^remote +\S+\/vnet-hub-weu +spoke-my-spoke-\w+ +Connected +FullyInSync$/m] },
      { command: /^curl -s -H "Authorization: Bearer \$\(npx hubspoke-local token --oid \S+ --name me --role ControlPlane\.Reader\)" http:\/\/127\.0\.0\.1:\$\{PORT:-7071\}\/api\/spokes\//, output: [/"condition":\{"type":"Peered","status":"True","reason":"Converged"/] },
      { command: /^npx hubspoke-local reconcile spokes --wait$/, output: [/^Sweep \w+ completed: .*"started":\d+/m] },
      { command: /^npx hubspoke-local spoke status \S+\/vnet-payments-neu --wait Converged$/, output: [/^ {2}Peered True Converged: peered with hub northeurope/m] },
      { command: /^npx hubspoke-local spokes$/, output: [/\/my-spoke +True +Converged/, /\/vnet-payments-neu +True +Converged/] },
      { command: /^npx hubspoke-local endpoint create \S+\/pe-mystorage .*--wait Registered$/, output: [/^ {2}DnsRegistered True Registered: mystorage\.blob\.core\.windows\.net resolves/m] },
      { command: /^npx hubspoke-local dns records --zone privatelink\.blob\.core\.windows\.net$/, output: [/^mystorage\.privatelink\.blob\.core\.windows\.net +10\.200\.0\.\d+ +privatelink\.blob\.core\.windows\.net$/m] },
      { command: /^npx hubspoke-local reconcile endpoints --wait$/, output: [/^Sweep \w+ completed: /m] },
      { command: /^npx hubspoke-local endpoint status \S+\/pe-kv-payments-weu --wait Registered$/, output: [/^ {2}DnsRegistered True Registered: kv-payments-weu\.vault\.azure\.net resolves/m] },
      { command: /^npx hubspoke-local eventgrid pause$/, output: [/^Event delivery paused/m] },
      { command: /^npx hubspoke-local vnet create \S+\/vnet-drifted --location westeurope --address-prefix 10\.210\.0\.0\/24$/, output: [/^Created VNet \S+\/vnet-drifted in westeurope/m] },
      { command: /^npx hubspoke-local drift run --wait$/, output: [/^Drift run dr-\S+: (Completed|Partial) \(http, enforce\)$/m, /^- \[peering\] unrecordedSpoke \S+\/vnet-drifted$/m] },
      { command: /^npx hubspoke-local drift report --text$/, output: [/^ {2}peering: inspected /m, /^ {4}action: +(repaired|repairStarted) /m] },
      { command: /^npx hubspoke-local spoke status \S+\/vnet-drifted --wait Converged$/, output: [/^ {2}Peered True Converged/m] },
      { command: /^npx hubspoke-local eventgrid resume$/, output: [/^Event delivery resumed \(\d+ event\(s\) were lost while paused\)\.$/m] },
      { command: /^npx hubspoke-local vnet update \S+\/my-spoke .*--address-prefix 10\.201\.0\.0\/24 --wait Converged$/, output: [/^ {2}Peered True Converged/m, /but it is now \[10\.200\.0\.0\/24, 10\.201\.0\.0\/24\]/] },
      { command: /^npx hubspoke-local vnet update \S+\/my-spoke --tag hubspoke-opt-out=true --wait OptedOut$/, output: [/^ {2}Peered False OptedOut/m] },
      { command: /^npx hubspoke-local vnet show \S+\/my-spoke$/, output: [/^ {2}address space: 10\.200\.0\.0\/24, 10\.201\.0\.0\/24$/m, /^ {2}tags: +hubspoke-opt-out=true$/m, /Connected\/FullyInSync$/m] },
      {
        command: /^npx hubspoke-local token --oid 11111111-1111-4111-8111-111111111111 --name Alice --role Egress\.Approve$/,
        output: [/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/m],
        // The printed token validates as the app would validate it: discovery document -> JWKS -> RS256.
        check: async (stdout) => {
          const info = (await (await fetch(`${baseUrl}/api/local/info`)).json()) as { auth: { issuer: string; audience: string } };
          const discovery = (await (await fetch(`${info.auth.issuer}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
          const { payload } = await jwtVerify(stdout.trim(), createRemoteJWKSet(new URL(discovery.jwks_uri)), { issuer: info.auth.issuer, audience: info.auth.audience, algorithms: ['RS256'] });
          expect(payload).toMatchObject({ oid: '11111111-1111-4111-8111-111111111111', name: 'Alice', roles: ['Egress.Approve'] });
        },
      },
      { command: /^npx hubspoke-local endpoint delete \S+\/pe-mystorage --wait Deleted$/, output: [/^ {2}DnsRegistered False Deleted/m] },
      { command: /^npx hubspoke-local vnet delete \S+\/my-spoke --wait Deleted$/, output: [/^ {2}Peered False Deleted/m] },
      // The numbers moved while the lines above used the flows ("Operating it").
      { command: /^curl -s http:\/\/127\.0\.0\.1:\$\{PORT:-7071\}\/metrics \| grep /, output: [/^controlplane_reconcile_outcomes_total\{flow="peering",status="True",reason="Converged",source="event",mode="enforce"[^}]*\} [1-9]\d*$/m, /^controlplane_reconcile_outcomes_total\{flow="peering",status="False",reason="Deleted",source="event",mode="enforce"[^}]*\} [1-9]\d*$/m] },
    ];

    const lines = blockLines(readme, 'sh try-it');
    const used = new Set<Expectation>();
    for (const line of lines) {
      const expectation = expectations.find((e) => e.command.test(line));
      if (!expectation) throw new Error(`README try-it line has no expectation in this test (add one): ${line}`);
      used.add(expectation);
      const ran = await runLine(line, env);
      const transcript = `$ ${line}\n(exit ${ran.code})\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}\n--- control plane log (tail)\n${output.slice(-3000)}`;
      if (ran.code !== 0) throw new Error(`README line failed:\n${transcript}`);
      for (const pattern of expectation.output) {
        if (!pattern.test(`${ran.stdout}\n${ran.stderr}`)) throw new Error(`README line did not print ${pattern}:\n${transcript}`);
      }
      await expectation.check?.(ran.stdout);
    }
    // Every step the README promises is still in it.
    expect(expectations.filter((e) => !used.has(e)).map((e) => e.command.source)).toEqual([]);
  }, 420_000);
});
