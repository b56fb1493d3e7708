// `npm run fuzz`: the fuzz tests (test/fuzz) with more runs than CI gives them. FUZZ_RUNS (default 300) is the runs
// of every property (per route, per Event Grid function); FUZZ_SEED (default 17) the seed; extra arguments go to Jest
// (e.g. `npm run fuzz -- -t alert`). A failure prints the seed and the counterexample's path to replay it.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const env = { ...process.env, FUZZ_RUNS: process.env.FUZZ_RUNS || '300', FUZZ_SEED: process.env.FUZZ_SEED || '17' };
process.stdout.write(`fuzz: FUZZ_RUNS=${env.FUZZ_RUNS} FUZZ_SEED=${env.FUZZ_SEED}\n`);
const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest', { paths: [root] }), '--runInBand', 'test/fuzz', ...process.argv.slice(2)], { cwd: root, env, stdio: 'inherit' });
process.exit(run.status ?? 1);
