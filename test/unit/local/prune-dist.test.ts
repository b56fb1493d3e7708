// local/build/prune-dist.js, run before the incremental build: no output of a deleted source survives in dist/.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain Node script, run by npm before tsc
const { pruneDist } = require('../../../local/build/prune-dist.js') as { pruneDist: (root: string) => string[] };

describe('prune-dist', () => {
  let root: string;
  const write = (relative: string): void => {
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    fs.writeFileSync(path.join(root, relative), '');
  };
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'prune-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('removes the outputs of deleted sources and keeps the rest', () => {
    for (const f of ['local/a.ts', 'local/demo/topology.json', 'dist/.tsbuildinfo', 'dist/local/a.js', 'dist/local/a.js.map', 'dist/local/demo/topology.json']) write(f);
    for (const f of ['dist/local/gone.js', 'dist/local/gone.js.map', 'dist/local/old.json']) write(f);
    expect(pruneDist(root).sort()).toEqual(['local/gone.js', 'local/gone.js.map', 'local/old.json'].map((f) => path.normalize(f)));
    expect(fs.existsSync(path.join(root, 'dist/local/a.js'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'dist/local/demo/topology.json'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'dist/local/gone.js'))).toBe(false);
  });

  it('empties dist/ when it has no build info, so that tsc emits everything again', () => {
    for (const f of ['local/a.ts', 'dist/local/a.js']) write(f);
    expect(pruneDist(root)).toEqual(['*']);
    expect(fs.existsSync(path.join(root, 'dist'))).toBe(false);
    expect(pruneDist(root)).toEqual([]);
  });
});
