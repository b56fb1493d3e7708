/**
 * One HTTP exchange with a webhook endpoint, as Event Grid makes it: no connection reuse between attempts, a hard
 * answer timeout (30 s in Azure), the whole answer body read (the handshake needs it), and cancellation on stop.
 */
import http from 'node:http';
import https from 'node:https';

export interface WebhookRequest {
  url: string;
  method: 'POST' | 'OPTIONS';
  headers: Record<string, string>;
  body?: string;
  timeoutInMs: number;
  /** Extra trusted CAs for https endpoints (e.g. a local self-signed certificate). */
  ca?: string | Buffer;
  signal?: AbortSignal;
}

export interface WebhookAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The endpoint could not be reached or did not answer in time; Event Grid retries these. */
export class WebhookTransportError extends Error {
  constructor(
    message: string,
    readonly reason: 'timeout' | 'network' | 'aborted',
  ) {
    super(message);
    this.name = 'WebhookTransportError';
  }
}

const maxAnswerBodyBytes = 1024 * 1024;

export function sendWebhookRequest(request: WebhookRequest): Promise<WebhookAnswer> {
  const target = new URL(request.url);
  const transport = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
  if (transport === undefined) {
    return Promise.reject(new TypeError(`Webhook endpoint ${request.url} must use http or https`));
  }
  return new Promise<WebhookAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, answer?: WebhookAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else if (answer) resolve(answer);
    };
    const headers: Record<string, string | number> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
    const req = transport.request(target, {
      method: request.method,
      headers,
      // A fresh connection per attempt: nothing lingers after stop(), and a dead endpoint is detected at once.
      agent: false,
      ...(request.ca !== undefined ? { ca: request.ca } : {}),
    });
    const timer = setTimeout(() => {
      finish(
        new WebhookTransportError(
          `Webhook ${request.method} ${request.url} did not answer within ${request.timeoutInMs} ms`,
          'timeout',
        ),
      );
      req.destroy();
    }, request.timeoutInMs);
    const onAbort = (): void => {
      finish(new WebhookTransportError(`Webhook ${request.method} ${request.url} aborted: publisher stopped`, 'aborted'));
      req.destroy();
    };
    if (request.signal?.aborted) {
      onAbort();
      return;
    }
    request.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) => {
      finish(new WebhookTransportError(`Webhook ${request.method} ${request.url} failed: ${error.message}`, 'network'));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxAnswerBodyBytes) chunks.push(chunk);
      });
      res.on('error', (error) => {
        finish(new WebhookTransportError(`Webhook ${request.method} ${request.url} answer broke: ${error.message}`, 'network'));
      });
      res.on('end', () => {
        finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(request.body);
  });
}
