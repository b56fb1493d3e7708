// `npm run package`: the production package, a zip of exactly what the Azure Functions host runs: host.json, a
// package.json, the compiled app (dist/functions, dist/orchestrations, dist/shared: never dist/local, tests or
// source maps), the console's static assets (console/) and the production dependencies only, installed from
// package-lock.json with `npm ci --omit=dev`.
// Prints the zip's path as its last line. Options: --out DIR (default build/; the staged folder is DIR/package),
// --skip-build (use dist/ as it is).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
/** The compiled folders the app is made of (package.json main is dist/functions/index.js). */
const RUNTIME_DIRS = ['functions', 'orchestrations', 'shared'];
/** Production runs on Node 22 (the repository's own engines allow development from 20.19). */
const PRODUCTION_ENGINES = { node: '>=22' };

function fail(message) {
  console.error(`npm run package: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const options = { out: path.join(ROOT, 'build'), build: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--skip-build') options.build = false;
    else if (arg === '--out') {
      const value = argv[++i];
      if (!value) fail('--out needs a folder');
      options.out = path.resolve(value);
    } else fail(`unknown argument "${arg}"; the options are --out DIR and --skip-build`);
  }
  return options;
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
  if (result.error) fail(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

/** Copies the compiled JavaScript (and JSON) of one dist/ folder, without source maps or build info. */
function copyCompiled(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyCompiled(source, target);
    else if (entry.name.endsWith('.js') || entry.name.endsWith('.json')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  if (options.build) run('npm', ['run', 'build', '--silent'], ROOT);
  const main = path.join(ROOT, pkg.main);
  if (!fs.existsSync(main)) fail(`${pkg.main} does not exist: build first (npm run build)`);

  const stage = path.join(options.out, 'package');
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  for (const dir of RUNTIME_DIRS) copyCompiled(path.join(ROOT, 'dist', dir), path.join(stage, 'dist', dir));
  fs.copyFileSync(path.join(ROOT, 'host.json'), path.join(stage, 'host.json'));
  // The console's static assets, served by functions/console.ts from the folder next to dist/.
  fs.cpSync(path.join(ROOT, 'console'), path.join(stage, 'console'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(stage, 'package-lock.json'));
  // npm ci needs package.json to match the lock (devDependencies included: --omit=dev leaves them out).
  const staged = { ...pkg, engines: PRODUCTION_ENGINES };
  delete staged.scripts;
  delete staged.bin;
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(staged, null, 2)}\n`);
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], stage);

  const zip = path.join(options.out, `${pkg.name}-${pkg.version}.zip`);
  fs.rmSync(zip, { force: true });
  // The system zip (Debian's `zip` package): -X leaves out extra file attributes, -y stores symlinks as links.
  run('zip', ['-q', '-r', '-X', '-y', zip, '.'], stage);
  console.log(zip);
}

main();
