/**
 * The console's assets (functions/console-assets.ts): only files of known types from the console/ folder, by exact
 * name, never a path joined to the disk; the repository's own console/ loads and holds what index.html names.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assetFor, consoleDir, CONTENT_SECURITY_POLICY, loadAssets } from '../../../functions/console-assets';

describe('console assets', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-assets-'));
    fs.mkdirSync(path.join(dir, 'pages'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
    fs.writeFileSync(path.join(dir, 'app.js'), 'export {};');
    fs.writeFileSync(path.join(dir, 'pages', 'one.js'), 'export {};');
    fs.writeFileSync(path.join(dir, 'notes.md'), '# not served');
    fs.writeFileSync(path.join(dir, '.env'), 'SECRET=1');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves files of known types by their exact relative name, index.html for the folder', () => {
    const assets = loadAssets(dir);
    expect([...assets.keys()].sort()).toEqual(['app.js', 'index.html', 'pages/one.js']);
    expect(assetFor(assets, '')?.contentType).toBe('text/html; charset=utf-8');
    expect(assetFor(assets, 'pages/one.js')?.contentType).toBe('text/javascript; charset=utf-8');
    expect(assetFor(assets, 'app.js')?.etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
  });

  it.each(['notes.md', '.env', '../package.json', 'pages/../app.js', '/etc/passwd', 'pages', 'APP.JS'])('serves nothing for %p', (name) => {
    expect(assetFor(loadAssets(dir), name)).toBeUndefined();
  });

  it('the repository\'s console/ holds every module index.html and the pages import, with no inline script or style', () => {
    const assets = loadAssets(consoleDir(path.resolve(__dirname, '..', '..', '..', 'functions')));
    const index = assetFor(assets, '')?.body.toString('utf8') ?? '';
    expect(index).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(index).not.toMatch(/\sstyle=/);
    for (const [name, asset] of assets) {
      if (!name.endsWith('.js')) continue;
      for (const m of asset.body.toString('utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(name), m[1] ?? ''));
        expect({ from: name, target, found: assets.has(target) }).toEqual({ from: name, target, found: true });
      }
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
  });
});
