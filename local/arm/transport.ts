/**
 * The two ways in: an HTTPS server on 127.0.0.1 (self-signed certificate made at start) and an in-process
 * HttpClient for @azure/core-rest-pipeline that hands the same requests to the same router without sockets.
 *
 * Trusting the certificate: every @azure/arm-* client takes `tlsOptions: { ca: pem }`. The pipeline's tlsPolicy sets
 * `request.tlsSettings`, and the Node HTTP client (@typespec/ts-http-runtime nodeHttpClient) builds its https.Agent
 * from `{ keepAlive, ...tlsSettings }` — so `ca` is honoured per client, without touching NODE_EXTRA_CA_CERTS or
 * process-wide settings. (`agent` in the client options also works, but bypasses keep-alive caching.)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { generate } from 'selfsigned';
import type { ArmRequest, ArmResponse } from './context';

export interface Certificate {
  cert: string;
  key: string;
  dir: string;
  caCertFile: string;
}

/** A certificate for localhost / 127.0.0.1, valid one day, written as PEM into a fresh temp directory. */
export async function makeCertificate(): Promise<Certificate> {
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 24 * 3_600_000),
    extensions: [
      // Self-signed: the certificate is its own trust anchor, so it is marked as a CA that may sign itself.
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), 'arm-emulator-'));
  const caCertFile = join(dir, 'arm-emulator-ca.pem');
  await writeFile(caCertFile, pems.cert, { mode: 0o644 });
  return { cert: pems.cert, key: pems.private, dir, caCertFile };
}

export type Dispatch = (request: ArmRequest) => ArmResponse;

function serialize(response: ArmResponse): { headers: Record<string, string>; text: string } {
  if (response.body === undefined) return { headers: { ...response.headers, 'Content-Length': '0' }, text: '' };
  const text = JSON.stringify(response.body);
  return {
    headers: { ...response.headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) },
    text,
  };
}

export interface RunningServer {
  endpoint: string;
  close(): Promise<void>;
}

export async function startHttpsServer(cert: Certificate, dispatch: Dispatch, port = 0): Promise<RunningServer> {
  const server: Server = createServer({ cert: cert.cert, key: cert.key }, (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      const url = new URL(req.url ?? '/', `https://${req.headers.host ?? '127.0.0.1'}`);
      const answer = dispatch({ method: req.method ?? 'GET', url, headers, body: Buffer.concat(chunks).toString('utf8') });
      const { headers: outHeaders, text } = serialize(answer);
      res.writeHead(answer.status, outHeaders);
      res.end(req.method === 'HEAD' || answer.status === 204 ? undefined : text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `https://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function removeCertificate(cert: Certificate): Promise<void> {
  await rm(cert.dir, { recursive: true, force: true });
}

/** An HttpClient for `new NetworkManagementClient(cred, sub, { endpoint, httpClient })`: same router, no sockets. */
export function inProcessHttpClient(dispatch: Dispatch): HttpClient {
  return {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const headers: Record<string, string> = {};
      for (const [name, value] of request.headers) headers[name.toLowerCase()] = value;
      const body = request.body;
      let text = '';
      if (typeof body === 'string') text = body;
      else if (body instanceof Uint8Array) text = Buffer.from(body).toString('utf8');
      else if (body !== undefined && body !== null) {
        throw new Error('ARM emulator httpClient: only string or byte request bodies are supported (the ARM SDKs send JSON strings).');
      }
      // Yield like a socket would, so callers never observe a synchronous answer.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const answer = dispatch({ method: request.method, url: new URL(request.url), headers, body: text });
      const { headers: outHeaders, text: outText } = serialize(answer);
      return { request, status: answer.status, headers: createHttpHeaders(outHeaders), bodyAsText: outText };
    },
  };
}
