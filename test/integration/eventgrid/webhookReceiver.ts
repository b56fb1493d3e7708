/**
 * A small real webhook endpoint for the publisher tests: listens on 127.0.0.1 port 0, records every request, answers
 * the Event Grid and CloudEvents handshakes correctly by default, and lets a test script the answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The parsed JSON body (undefined for an empty or non-JSON body). */
  json: unknown;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (to exercise the answer timeout). */
  hang?: boolean;
}

export type Responder = (req: ReceivedRequest) => ScriptedAnswer | undefined;

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Notification requests only (aeg-event-type: Notification). */
  notifications(): ReceivedRequest[];
  /** Answers a request; return undefined to fall back to the default (handshakes answered, 200 otherwise). */
  respondWith(responder: Responder | undefined): void;
  close(): Promise<void>;
}

function defaultAnswer(req: ReceivedRequest): ScriptedAnswer {
  if (req.method === 'OPTIONS') {
    return { status: 200, headers: { 'WebHook-Allowed-Origin': String(req.headers['webhook-request-origin'] ?? '') } };
  }
  if (req.headers['aeg-event-type'] === 'SubscriptionValidation' && Array.isArray(req.json)) {
    const first = req.json[0] as { data?: { validationCode?: string } } | undefined;
    return { status: 200, body: JSON.stringify({ validationResponse: first?.data?.validationCode }) };
  }
  return { status: 200 };
}

export async function startWebhookReceiver(path = '/api/events'): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  let responder: Responder | undefined;
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body.length > 0 ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const received: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json };
      requests.push(received);
      const answer = responder?.(received) ?? defaultAnswer(received);
      if (answer.hang) {
        hanging.add(res);
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    notifications: () => requests.filter((r) => r.headers['aeg-event-type'] === 'Notification'),
    respondWith(r) {
      responder = r;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
