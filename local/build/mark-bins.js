// Runs after the build (`npm run build`): makes every "bin" of package.json executable.
//
// `npx hubspoke-local` in this folder installs the project itself into npm's npx cache (~/.npm/_npx/<hash of the
// folder's path>) as a link and marks the bin executable once, when it first creates that cache entry. tsc emits
// dist/local/cli/main.js without the execute bit, so a checkout whose dist/ was emitted again (a fresh clone at a path
// npx has seen before, or `rm -rf dist`) would fail with "hubspoke-local: Permission denied" while npx trusts its
// cache. Marking the bins on every build removes that dependence on the cache.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Adds the execute bits (where the read bits are) to every bin of `<root>/package.json`; returns what it marked. */
function markBins(root) {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
  const marked = [];
  for (const bin of bins) {
    const file = path.join(root, bin);
    if (!fs.existsSync(file)) throw new Error(`package.json names the bin ${bin}, but the build did not emit it`);
    const mode = fs.statSync(file).mode & 0o777;
    const wanted = mode | ((mode & 0o444) >> 2);
    if (wanted !== mode) fs.chmodSync(file, wanted);
    marked.push(bin);
  }
  return marked;
}

module.exports = { markBins };

if (require.main === module) markBins(path.resolve(__dirname, '..', '..'));
