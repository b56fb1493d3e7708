/**
 * The console: a browser page over the same HTTP API (bearer tokens; the API decides, the page shows its answers),
 * served by the app itself.
 *   GET /api/console/{*path}   the console's static assets (functions/console-assets.ts); anonymous: they hold no data
 *   GET /api/me                the caller as the API sees them ({oid, tid, name, roles, via}), any valid token or
 *                              App Service Authentication principal; 401 otherwise. The console shows who is signed in
 *                              from it (in Azure it has no token of its own to read: the session is Easy Auth's cookie).
 */
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { tokenValidator } from '../shared/auth/tokens';
import { problem as problemOf } from '../shared/egress/request';
import { flowDeps } from '../orchestrations/common';
import { problemAnswer } from './http';
import { assetFor, consoleDir, CONSOLE_PATH, loadAssets, SECURITY_HEADERS, type Asset } from './console-assets';

let cached: Map<string, Asset> | undefined;
const assets = (): Map<string, Asset> => (cached ??= loadAssets(consoleDir()));

export async function serveConsole(request: HttpRequest): Promise<HttpResponseInit> {
  const requested = request.params.path ?? '';
  // /api/console without its slash: the page's relative URLs need the folder.
  if (requested === '' && !new URL(request.url).pathname.endsWith('/')) return { status: 308, headers: { Location: CONSOLE_PATH, ...SECURITY_HEADERS } };
  const asset = assetFor(assets(), requested);
  if (!asset) return problemAnswer(problemOf(404, 'Not found', `no console asset "${requested}": the console serves only its own files (index.html, its modules, style sheet and icon)`), SECURITY_HEADERS);
  const headers = { 'Content-Type': asset.contentType, ETag: asset.etag, 'Cache-Control': 'no-cache', ...SECURITY_HEADERS };
  if (request.headers.get('if-none-match') === asset.etag) return { status: 304, headers };
  return { status: 200, headers, body: asset.body };
}

export async function whoAmI(request: HttpRequest): Promise<HttpResponseInit> {
  const result = await tokenValidator(flowDeps().config.auth).authenticate(request.headers);
  if (!result.ok) return problemAnswer(problemOf(401, 'Unauthorized', result.description), { 'WWW-Authenticate': result.wwwAuthenticate });
  const { oid, tid, name, roles, via } = result.caller;
  return { status: 200, jsonBody: { oid, tid, ...(name ? { name } : {}), roles, via } };
}

app.http('whoAmI', { methods: ['GET'], route: 'me', authLevel: 'anonymous', handler: whoAmI });
app.http('console', { methods: ['GET'], route: 'console/{*path}', authLevel: 'anonymous', handler: serveConsole });
