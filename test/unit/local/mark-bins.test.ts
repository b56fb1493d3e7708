// local/build/mark-bins.js, run after the build: the CLI's bin is executable however dist/ was emitted, so that
// `npx hubspoke-local` works from a checkout whose npx cache entry predates its dist/ (the CI failure of stop 21).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain Node script, run by npm after tsc
const { markBins } = require('../../../local/build/mark-bins.js') as { markBins: (root: string) => string[] };

describe('mark-bins', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'bins-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });
  const manifest = (bin: unknown): void => fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'x', bin }));
  const emit = (relative: string, mode: number): string => {
    const file = path.join(root, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '#!/usr/bin/env node\n');
    fs.chmodSync(file, mode);
    return file;
  };
  const modeOf = (file: string): number => fs.statSync(file).mode & 0o777;

  it('adds the execute bits where the read bits are, for every bin of the map', () => {
    const a = emit('dist/a.js', 0o644);
    const b = emit('dist/b.js', 0o600);
    manifest({ a: 'dist/a.js', b: 'dist/b.js' });
    expect(markBins(root)).toEqual(['dist/a.js', 'dist/b.js']);
    expect(modeOf(a)).toBe(0o755);
    expect(modeOf(b)).toBe(0o700);
  });

  it('takes a single string bin and leaves an executable file as it is', () => {
    const a = emit('dist/a.js', 0o750);
    manifest('dist/a.js');
    expect(markBins(root)).toEqual(['dist/a.js']);
    expect(modeOf(a)).toBe(0o750);
  });

  it('fails, naming the bin, when the build did not emit it', () => {
    manifest({ a: 'dist/missing.js' });
    expect(() => markBins(root)).toThrow(/bin dist\/missing\.js, but the build did not emit it/);
  });

  it("marks this project's own bins (package.json names hubspoke-local)", () => {
    const own = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(own.bin).toEqual({ 'hubspoke-local': 'dist/local/cli/main.js' });
  });
});
