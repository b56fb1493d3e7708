// writeFileAtomic: the one atomic writer behind the data folder lock, the ARM emulator state, timer status and the token key.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../../../local/files';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'files-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the folder, then replaces the file whole, leaving no temp file', () => {
    const file = path.join(dir, 'a', 'b', 'state.json');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, 'two');
    expect(fs.readFileSync(file, 'utf8')).toBe('two');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['state.json']);
  });

  it('makes a new file with the mode asked for (a private key: 0600)', () => {
    const file = path.join(dir, 'key.json');
    writeFileAtomic(file, '{}', { mode: 0o600 });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('removes its temp file when the rename fails, and leaves what was there', () => {
    const target = path.join(dir, 'taken');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'inside'), 'kept');
    expect(() => writeFileAtomic(target, 'text')).toThrow();
    expect(fs.readdirSync(dir)).toEqual(['taken']);
    expect(fs.readFileSync(path.join(target, 'inside'), 'utf8')).toBe('kept');
  });
});
