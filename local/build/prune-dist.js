// Runs before the incremental build (`npm run build`): tsc --incremental re-emits only what changed and never
// deletes, so an output whose source is gone (a deleted or renamed .ts) would stay in dist/ and could still be
// loaded. This removes every such output; with no build info (first build, or dist/ partly deleted by hand) it
// empties dist/ so that tsc emits everything again.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const BUILD_INFO = '.tsbuildinfo';

/** The source a dist/ file was emitted from: x.js and x.js.map from x.ts, a copied x.json from x.json. */
function sourceOf(relative) {
  if (relative.endsWith('.js.map')) return relative.slice(0, -'.js.map'.length) + '.ts';
  if (relative.endsWith('.js')) return relative.slice(0, -'.js'.length) + '.ts';
  if (relative.endsWith('.json')) return relative;
  return undefined;
}

function filesUnder(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else out.push(full);
  }
  return out;
}

/** Prunes `<root>/<outDir>`; returns what it removed ('*' for the whole folder). */
function pruneDist(root, outDir = 'dist') {
  const dist = path.join(root, outDir);
  if (!fs.existsSync(dist)) return [];
  if (!fs.existsSync(path.join(dist, BUILD_INFO))) {
    fs.rmSync(dist, { recursive: true, force: true });
    return ['*'];
  }
  const removed = [];
  for (const file of filesUnder(dist)) {
    const relative = path.relative(dist, file);
    const source = sourceOf(relative);
    if (source !== undefined && !fs.existsSync(path.join(root, source))) {
      fs.rmSync(file);
      removed.push(relative);
    }
  }
  return removed;
}

module.exports = { pruneDist, BUILD_INFO };

if (require.main === module) {
  const removed = pruneDist(path.resolve(__dirname, '..', '..'));
  if (removed.length === 1 && removed[0] === '*') console.log('dist/ had no build info: full build.');
  else if (removed.length > 0) console.log(`Removed ${removed.length} stale output(s) from dist/: ${removed.join(', ')}`);
}
