/**
 * The Durable extension's local RPC endpoint. In Azure the extension listens on `http://127.0.0.1:17071/durabletask/`
 * (azure-functions-durable-extension `LocalHttpListener`: loopback only, no key) and hands that address to the
 * language worker as the durable client binding's `rpcBaseUrl`; durable-functions calls it for startNew, status,
 * raise event, terminate and the rest, while the public `/runtime/webhooks/durabletask/` routes need a key. Locally
 * the same split: this listener (any free loopback port) serves the same handler without a key, and the host's
 * webhook routes enforce the master key.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RouteHandler } from '../contract';
import { sendError } from './http-codec';

export interface RpcListener {
  /** e.g. `http://127.0.0.1:40123/durabletask/`. */
  readonly baseUrl: string;
  stop(): Promise<void>;
}

/**
 * Serves `handler` on a loopback port: a request for `{rpcPath}rest` is handed over as `{webhookPrefix}rest`, the
 * path the handler knows (links the handler builds from the request origin keep that path and are served too);
 * anything else is 404.
 */
export async function startRpcListener(options: {
  handler: RouteHandler;
  rpcPath: string;
  webhookPrefix: string;
  onError?: (message: string) => void;
}): Promise<RpcListener> {
  const { handler, rpcPath, webhookPrefix } = options;
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
      const lower = url.pathname.toLowerCase();
      const served = lower.startsWith(rpcPath.toLowerCase()) || lower.startsWith(webhookPrefix.toLowerCase());
      if (lower.startsWith(rpcPath.toLowerCase())) url.pathname = `${webhookPrefix}${url.pathname.slice(rpcPath.length)}`;
      try {
        if (served && (await handler(req, res, url))) return;
        sendError(res, 404, 'NotFound', `The Durable RPC endpoint serves ${rpcPath}...; nothing at ${req.url ?? '/'}.`);
      } catch (e) {
        options.onError?.(`Durable RPC ${req.method} ${req.url} failed: ${(e as Error).stack ?? String(e)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-length': 0 }).end();
        else res.destroy();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${rpcPath}`;
  return {
    baseUrl,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
