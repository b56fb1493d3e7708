/**
 * The console's static assets (the repository's console/ folder: hand-written ES modules, a style sheet, an HTML
 * shell), read once and served by the app itself under /api/console/ (functions/console.ts), the same under the
 * embedded default and in Azure (the package carries the folder). Only files with a known content type are served;
 * every answer carries a strict Content-Security-Policy (scripts, styles, images and API calls from this origin only:
 * nothing from a CDN, no inline script or style).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CONSOLE_PATH = '/api/console/';

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every console answer carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

/** The console/ folder: next to dist/ in the repository and in the package, or next to functions/ (sources). */
export function consoleDir(from: string = __dirname): string {
  const candidates = [path.resolve(from, '..', '..', 'console'), path.resolve(from, '..', 'console')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html')));
  if (!found) throw new Error(`the console's assets are missing (looked in ${candidates.join(', ')})`);
  return found;
}

/** Every servable file under `dir`, by its path relative to it with forward slashes. */
export function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (sub: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile()) {
        const contentType = CONTENT_TYPES[path.extname(entry.name).toLowerCase()];
        if (!contentType) continue;
        const body = fs.readFileSync(path.join(dir, rel));
        assets.set(rel, { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
      }
    }
  };
  walk('');
  return assets;
}

/** The asset a request path names ('' is index.html); undefined for anything else (no path is ever joined to disk). */
export function assetFor(assets: ReadonlyMap<string, Asset>, requested: string): Asset | undefined {
  const name = requested === '' || requested.endsWith('/') ? `${requested}index.html` : requested;
  return assets.get(name);
}
