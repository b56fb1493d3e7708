/**
 * The console: a browser page over the same HTTP API (bearer tokens; the API decides, the page shows its answers),
 * served by the app itself.
 *   GET /api/console/{*path}   the console's static assets (functions/console-assets.ts); anonymous: they hold no data
 */
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { assetFor, consoleDir, CONSOLE_PATH, loadAssets, SECURITY_HEADERS, type Asset } from './console-assets';

let cached: Map<string, Asset> | undefined;
const assets = (): Map<string, Asset> => (cached ??= loadAssets(consoleDir()));

export async function serveConsole(request: HttpRequest): Promise<HttpResponseInit> {
  const requested = request.params.path ?? '';
  // /api/console without its slash: the page's relative URLs need the folder.
  if (requested === '' && !new URL(request.url).pathname.endsWith('/')) return { status: 308, headers: { Location: CONSOLE_PATH, ...SECURITY_HEADERS } };
  const asset = assetFor(assets(), requested);
  if (!asset) return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }, body: `no console asset "${requested}"` };
  const headers = { 'Content-Type': asset.contentType, ETag: asset.etag, 'Cache-Control': 'no-cache', ...SECURITY_HEADERS };
  if (request.headers.get('if-none-match') === asset.etag) return { status: 304, headers };
  return { status: 200, headers, body: asset.body };
}

app.http('console', { methods: ['GET'], route: 'console/{*path}', authLevel: 'anonymous', handler: serveConsole });
