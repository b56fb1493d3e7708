/**
 * Local stamps: one health endpoint per demo stamp (its own HTTP listener on 127.0.0.1, so "refuse" is a real
 * refused connection), whose answer a person or a test switches, plus ways to send the control plane what Azure
 * would: a Health Resources event (through the same Event Grid webhook ARM events use) and an Azure Monitor alert
 * (through the secure webhook, with a token of the local issuer for Azure Monitor's app).
 *   PUT  /api/local/stamps/{name}/health        {"status": 200 | 503 | ... | "timeout" | "refuse"}
 *   POST /api/local/stamps/{name}/health-event  {"availabilityState": "Unavailable" | "Available" | "Degraded" | "Unknown"}
 *   POST /api/local/stamps/{name}/alert         {"condition": "Fired" | "Resolved", "rule"?: "..."}
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { RouteHandler } from '../contract';
import { sendError, sendJson } from '../host/http-codec';

export type HealthAnswer = number | 'timeout' | 'refuse';

export interface LocalStamp {
  name: string;
  region: string;
  /** The stamp's resources (alerts and events name them). */
  resourceIds: string[];
}

interface StampEndpoint {
  stamp: LocalStamp;
  answer: HealthAnswer;
  server: http.Server | undefined;
  port: number;
  /** Requests held open by "timeout", answered (504) when the answer changes or the listener stops. */
  held: Set<ServerResponse>;
  requests: number;
}

export interface LocalStamps {
  /** `http://127.0.0.1:{port}/health` of each stamp, by name. */
  healthUrls(): Record<string, string>;
  routes: RouteHandler;
  info(): unknown;
  setAnswer(name: string, answer: HealthAnswer): void;
  stop(): Promise<void>;
}

export const LOCAL_STAMPS_PATH = '/api/local/stamps/';
const MAX_BODY = 16 * 1024;

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: http.Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error(`the body is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() === '' ? {} : (JSON.parse(text) as unknown);
}

const answerSchema = z.object({ status: z.union([z.number().int().min(100).max(599), z.literal('timeout'), z.literal('refuse')], { error: 'must be an HTTP status (e.g. 200 or 503), "timeout" or "refuse"' }) }).strict();
const healthEventSchema = z.object({ availabilityState: z.enum(['Available', 'Unavailable', 'Degraded', 'Unknown']) }).strict();
const alertSchema = z.object({ condition: z.enum(['Fired', 'Resolved']), rule: z.string().min(1).max(200).optional() }).strict();

export interface LocalStampsOptions {
  stamps: LocalStamp[];
  tenantId: string;
  /** The control plane's base URL (known once the host listens). */
  baseUrl: () => string;
  /** The Event Grid webhook of the resourceEvents function (with its key). */
  eventGridWebhook: () => string | undefined;
}

export async function startLocalStamps(options: LocalStampsOptions): Promise<LocalStamps> {
  const endpoints = new Map<string, StampEndpoint>();
  const serve = (endpoint: StampEndpoint) => (req: IncomingMessage, res: ServerResponse): void => {
    endpoint.requests += 1;
    req.resume();
    const answer = endpoint.answer;
    if (answer === 'timeout') {
      endpoint.held.add(res);
      res.on('close', () => endpoint.held.delete(res));
      return;
    }
    sendJson(res, typeof answer === 'number' ? answer : 503, { stamp: endpoint.stamp.name, status: answer === 200 ? 'healthy' : 'unhealthy' });
  };
  const open = async (endpoint: StampEndpoint): Promise<void> => {
    const server = http.createServer(serve(endpoint));
    endpoint.port = await listen(server, endpoint.port);
    endpoint.server = server;
  };
  for (const stamp of options.stamps) {
    const endpoint: StampEndpoint = { stamp, answer: 200, server: undefined, port: 0, held: new Set(), requests: 0 };
    await open(endpoint);
    endpoints.set(stamp.name.toLowerCase(), endpoint);
  }

  const releaseHeld = (endpoint: StampEndpoint): void => {
    for (const res of endpoint.held) if (!res.headersSent) sendJson(res, 504, { stamp: endpoint.stamp.name, status: 'timeout' });
    endpoint.held.clear();
  };

  async function setAnswer(name: string, answer: HealthAnswer): Promise<void> {
    const endpoint = endpoints.get(name.toLowerCase());
    if (!endpoint) throw new Error(`no local stamp named ${name}`);
    endpoint.answer = answer;
    releaseHeld(endpoint);
    if (answer === 'refuse' && endpoint.server) {
      const server = endpoint.server;
      endpoint.server = undefined;
      await closeServer(server);
    } else if (answer !== 'refuse' && !endpoint.server) {
      await open(endpoint);
    }
  }

  async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
  }

  async function healthEvent(endpoint: StampEndpoint, state: string): Promise<{ status: number; body: unknown }> {
    const target = endpoint.stamp.resourceIds.find((id) => /\/microsoft\.compute\//i.test(id)) ?? endpoint.stamp.resourceIds[0];
    const webhook = options.eventGridWebhook();
    if (!target || !webhook) return { status: 409, body: { error: { code: 'NoTarget', message: 'the stamp has no resource or the app no Event Grid webhook' } } };
    const now = new Date().toISOString();
    const id = randomUUID();
    // The documented Event Grid schema of Microsoft.ResourceNotifications.HealthResources.AvailabilityStatusChanged.
    const event = {
      id,
      topic: `/subscriptions/${target.split('/')[2] ?? ''}`,
      subject: target,
      data: {
        resourceInfo: {
          id: `${target}/providers/Microsoft.ResourceHealth/availabilityStatuses/${id}`,
          name: id,
          type: 'Microsoft.ResourceHealth/availabilityStatuses',
          properties: { targetResourceId: target, targetResourceType: target.split('/providers/')[1]?.split('/').slice(0, 2).join('/') ?? '', occurredTime: now, previousAvailabilityState: 'Unknown', availabilityState: state },
        },
        operationalInfo: { resourceEventTime: now },
        apiVersion: '2023-12-01',
      },
      eventType: 'Microsoft.ResourceNotifications.HealthResources.AvailabilityStatusChanged',
      dataVersion: '1',
      metadataVersion: '1',
      eventTime: now,
    };
    return post(webhook, [event], { 'aeg-event-type': 'Notification' });
  }

  async function alert(endpoint: StampEndpoint, condition: 'Fired' | 'Resolved', rule: string): Promise<{ status: number; body: unknown }> {
    const base = options.baseUrl();
    // A token as Azure Monitor's secure webhook sends it: app 461e8683-..., role ActionGroupsSecureWebhook.
    const token = await post(`${base}/api/local/token`, { oid: '5c9f0000-0000-4000-8000-0000000a1e47', name: 'AzNS AAD Webhook', roles: ['ActionGroupsSecureWebhook'], appId: '461e8683-5575-4561-ac7f-899cc907d62a' });
    const accessToken = (token.body as { access_token?: string } | null)?.access_token;
    if (!accessToken) return { status: 502, body: { error: { code: 'NoToken', message: `the local token issuer answered ${token.status}` } } };
    const target = endpoint.stamp.resourceIds[0] ?? '';
    const firedAt = new Date().toISOString();
    const body = {
      schemaId: 'azureMonitorCommonAlertSchema',
      data: {
        essentials: {
          // One alert instance per rule and stamp: Fired and Resolved share the ID, as Azure Monitor's do.
          alertId: `/subscriptions/${target.split('/')[2] ?? ''}/providers/Microsoft.AlertsManagement/alerts/${rule}-${endpoint.stamp.name}`,
          alertRule: rule,
          severity: 'Sev1',
          signalType: 'Metric',
          monitorCondition: condition,
          monitoringService: 'Platform',
          alertTargetIDs: [target.toLowerCase()],
          configurationItems: [target.split('/').pop() ?? ''],
          originAlertId: randomUUID(),
          firedDateTime: firedAt,
          ...(condition === 'Resolved' ? { resolvedDateTime: firedAt } : {}),
          description: 'posted by the local environment',
          essentialsVersion: '1.0',
          alertContextVersion: '1.0',
        },
        alertContext: { properties: null, conditionType: 'SingleResourceMultipleMetricCriteria', condition: { windowSize: 'PT5M', allOf: [{ metricName: 'Http5xx', operator: 'GreaterThan', threshold: '25', timeAggregation: 'Total', dimensions: [], metricValue: 31.1 }] } },
        customProperties: { stampId: endpoint.stamp.name },
      },
    };
    return post(`${base}/api/stamps/alerts`, body, { authorization: `Bearer ${accessToken}` });
  }

  const routes: RouteHandler = async (req, res, url) => {
    if (!url.pathname.startsWith(LOCAL_STAMPS_PATH)) return false;
    const [name, action, extra] = url.pathname.slice(LOCAL_STAMPS_PATH.length).split('/').map(decodeURIComponent);
    const endpoint = endpoints.get((name ?? '').toLowerCase());
    if (!endpoint || extra !== undefined) {
      sendError(res, 404, 'StampNotFound', `no local stamp named "${name ?? ''}" (local stamps: ${[...endpoints.values()].map((e) => e.stamp.name).join(', ')})`);
      return true;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const route = `${method} ${action ?? ''}`;
    if (!['PUT health', 'GET health', 'POST health-event', 'POST alert'].includes(route)) {
      sendError(res, 405, 'MethodNotAllowed', `${method} ${url.pathname}: use PUT .../health, POST .../health-event or POST .../alert`);
      return true;
    }
    if (route === 'GET health') {
      sendJson(res, 200, { stamp: endpoint.stamp.name, status: endpoint.answer, healthUrl: `http://127.0.0.1:${endpoint.port}/health`, probes: endpoint.requests });
      return true;
    }
    let body: unknown;
    try {
      body = await readBody(req);
    } catch (e) {
      sendError(res, 400, 'InvalidBody', (e as Error).message);
      return true;
    }
    const schema = route === 'PUT health' ? answerSchema : route === 'POST health-event' ? healthEventSchema : alertSchema;
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      sendError(res, 400, 'InvalidBody', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
      return true;
    }
    if (route === 'PUT health') {
      const answer = (parsed.data as z.infer<typeof answerSchema>).status;
      await setAnswer(endpoint.stamp.name, answer);
      sendJson(res, 200, { stamp: endpoint.stamp.name, status: answer, healthUrl: `http://127.0.0.1:${endpoint.port}/health` });
      return true;
    }
    const sent = route === 'POST health-event'
      ? await healthEvent(endpoint, (parsed.data as z.infer<typeof healthEventSchema>).availabilityState)
      : await alert(endpoint, (parsed.data as z.infer<typeof alertSchema>).condition, (parsed.data as z.infer<typeof alertSchema>).rule ?? 'stamp-5xx');
    sendJson(res, sent.status >= 200 && sent.status < 300 ? 200 : 502, { stamp: endpoint.stamp.name, delivered: sent.status, answer: sent.body });
    return true;
  };

  return {
    healthUrls: () => Object.fromEntries([...endpoints.values()].map((e) => [e.stamp.name, `http://127.0.0.1:${e.port}/health`])),
    routes,
    setAnswer: (name, answer) => void setAnswer(name, answer),
    info: () => [...endpoints.values()].map((e) => ({
      name: e.stamp.name,
      region: e.stamp.region,
      healthUrl: `http://127.0.0.1:${e.port}/health`,
      answer: e.answer,
      switch: `PUT ${options.baseUrl()}${LOCAL_STAMPS_PATH}${e.stamp.name}/health {"status": 200|503|"timeout"|"refuse"}`,
      healthEvent: `POST ${options.baseUrl()}${LOCAL_STAMPS_PATH}${e.stamp.name}/health-event {"availabilityState": "Unavailable"|"Available"}`,
      alert: `POST ${options.baseUrl()}${LOCAL_STAMPS_PATH}${e.stamp.name}/alert {"condition": "Fired"|"Resolved"}`,
      resourceIds: e.stamp.resourceIds,
    })),
    async stop() {
      for (const endpoint of endpoints.values()) {
        releaseHeld(endpoint);
        await closeServer(endpoint.server);
        endpoint.server = undefined;
      }
    },
  };
}
