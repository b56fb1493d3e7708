#!/usr/bin/env node
/**
 * `hubspoke-local`: the local CLI (package.json "bin"). Finds the control plane running on the embedded default, then
 * creates, changes and deletes VNets and private endpoints in its ARM emulator, shows peerings and DNS records, reads
 * the control plane's records, asks for reconciles and mints local tokens. `hubspoke-local --help` lists everything.
 * Exit codes: 0 done, 1 an error (printed), 2 a bad command line.
 */
import { COMMANDS, helpText, parseCommandLine, PROGRAM, UsageError, type CommandSpec } from './args';
import * as commands from './commands';
import { processAlive } from '../dataDir';
import { discover, DiscoveryError, readTextFile } from './discovery';
import { findProjectRoot } from '../project';
import { ArmClients, CliError, ControlPlaneApi, fetchInfo } from './environment';

type Handler = (ctx: commands.CommandContext) => Promise<commands.Output>;

const HANDLERS: Record<string, Handler> = {
  info: commands.info,
  'vnet create': commands.vnetCreate,
  'vnet update': commands.vnetUpdate,
  'vnet delete': commands.vnetDelete,
  'vnet show': commands.vnetShow,
  'vnet list': commands.vnetList,
  'endpoint create': commands.endpointCreate,
  'endpoint delete': commands.endpointDelete,
  'endpoint show': commands.endpointShow,
  'endpoint list': commands.endpointList,
  'endpoint status': commands.endpointStatus,
  'spoke status': commands.spokeStatus,
  spokes: commands.spokes,
  endpoints: commands.endpoints,
  peerings: commands.peerings,
  'dns records': commands.dnsRecords,
  'reconcile spoke': commands.reconcileSpoke,
  'reconcile endpoint': commands.reconcileEndpoint,
  'reconcile spokes': commands.reconcileSpokes,
  'reconcile endpoints': commands.reconcileEndpoints,
  'drift run': commands.driftRun,
  'drift report': commands.driftReport,
  'drift list': commands.driftList,
  'eventgrid pause': commands.eventGridPause,
  'eventgrid resume': commands.eventGridResume,
  'stamp list': commands.stampList,
  'stamp show': commands.stampShow,
  'stamp health': commands.stampHealth,
  'stamp pin': commands.stampPin,
  'stamp alert': commands.stampAlert,
  'egress request': commands.egressRequest,
  'egress list': commands.egressList,
  'egress show': commands.egressShow,
  'egress decide': commands.egressDecide,
  'egress revoke': commands.egressRevoke,
  token: commands.token,
};

export interface CliIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Runs one command line; resolves to the exit code. */
export async function runCli(io: CliIo): Promise<number> {
  let command: CommandSpec | undefined;
  try {
    const parsed = parseCommandLine(io.argv);
    if (parsed.kind === 'help') {
      io.stdout(`${helpText(parsed)}\n`);
      return 0;
    }
    command = parsed.command;
    const handler = HANDLERS[command.id];
    if (!handler) throw new Error(`no handler for "${command.id}"`);
    let connection: Promise<commands.Connection> | undefined;
    const connect = () =>
      (connection ??= discover(
        {
          ...(parsed.global.url !== undefined ? { url: parsed.global.url } : {}),
          env: io.env,
          cwd: io.cwd,
          projectRoot: findProjectRoot(__dirname),
          isAlive: processAlive,
          readFile: readTextFile,
        },
        fetchInfo,
      ).then((found) => {
        const key = parsed.global.key ?? (io.env.HUBSPOKE_FUNCTION_KEY || undefined);
        return { info: found.info, api: new ControlPlaneApi(found.baseUrl, key, found.info.host.keys.function, found.info.auth?.tokenUrl) };
      }));
    let clients: Promise<ArmClients> | undefined;
    const output = await handler({
      connect,
      arm: () => (clients ??= connect().then(({ info }) => ArmClients.create(info, info.auth?.tenantId ?? '00000000-0000-0000-0000-000000000000'))),
      args: parsed.args,
      values: parsed.values,
      progress: (line) => io.stderr(`${line}\n`),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: Date.now,
    });
    io.stdout(`${parsed.global.json ? JSON.stringify(output.data, null, 2) : output.text}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      const about = e.command ?? command;
      io.stderr(`${PROGRAM}: ${e.message}\nRun "${PROGRAM} ${about ? `${about.id} ` : ''}--help" for usage.\n`);
      return 2;
    }
    if (e instanceof CliError || e instanceof DiscoveryError) {
      io.stderr(`${PROGRAM}: ${e.message}\n`);
      return 1;
    }
    io.stderr(`${PROGRAM}: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

export { COMMANDS };

if (require.main === module) {
  void runCli({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  }).then((code) => {
    process.exitCode = code;
  });
}
