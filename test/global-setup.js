// Builds dist/ once per test run: tests that start the control plane in a child process
// (crash-and-resume, npm start smoke) run the compiled JavaScript, as production does.
// Type errors do not stop the build here (tsc still emits); CI fails on them in its own `tsc --noEmit` step.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { markBins } = require('../local/build/mark-bins.js');

module.exports = async function globalSetup() {
  const root = path.resolve(__dirname, '..');
  const run = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    process.stderr.write(`\n[global-setup] tsc reported errors (the build still emitted):\n${run.stdout}${run.stderr}\n`);
  }
  // As `npm run build` does: the README test runs `npx hubspoke-local`, which needs the bin executable.
  markBins(root);
};
