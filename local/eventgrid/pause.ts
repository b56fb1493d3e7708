/**
 * Pausing event delivery, so a person or a test can make drift the event path will not see:
 *   POST /api/local/eventgrid/pause    resource events raised from now on are lost (as when Event Grid gives up)
 *   POST /api/local/eventgrid/resume   events flow again; the lost ones are not replayed
 * The gate sits between the ARM emulator's notifications and the publisher (what Azure's system topic receives).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteHandler } from '../contract';
import type { ResourceNotification } from './notification';
import type { EventGridPublisher, PublishResult } from './publisher';

export const LOCAL_EVENTGRID_PATH = '/api/local/eventgrid/';

export interface EventGate {
  readonly paused: boolean;
  /** Notifications dropped while paused, since the gate was made. */
  readonly lost: number;
  pause(): void;
  resume(): void;
  /** A publisher that drops what arrives while paused. */
  gated(publisher: Pick<EventGridPublisher, 'publish'>): Pick<EventGridPublisher, 'publish'>;
  routes: RouteHandler;
  info(baseUrl: string): { paused: boolean; lostWhilePaused: number; pauseUrl: string; resumeUrl: string };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export function createEventGate(log: (line: string) => void = () => undefined): EventGate {
  let paused = false;
  let lost = 0;
  let lostThisPause = 0;
  const state = () => ({ paused, lostWhilePaused: lostThisPause, lost });
  const gate: EventGate = {
    get paused() {
      return paused;
    },
    get lost() {
      return lost;
    },
    pause() {
      if (!paused) lostThisPause = 0;
      paused = true;
      log('[eventgrid] delivery paused: resource events raised from now on are lost');
    },
    resume() {
      if (paused) log(`[eventgrid] delivery resumed; ${lostThisPause} event(s) were lost while paused`);
      paused = false;
    },
    gated(publisher) {
      return {
        publish(notification: ResourceNotification): PublishResult {
          if (!paused) return publisher.publish(notification);
          lost++;
          lostThisPause++;
          return { eventId: '', eventType: '', matched: [] };
        },
      };
    },
    routes(req: IncomingMessage, res: ServerResponse, url: URL) {
      const action = url.pathname.slice(LOCAL_EVENTGRID_PATH.length).replace(/\/$/, '');
      if (action !== 'pause' && action !== 'resume') return false;
      if (req.method !== 'POST') {
        send(res, 405, { error: { code: 'MethodNotAllowed', message: `use POST ${LOCAL_EVENTGRID_PATH}${action}` } }, { Allow: 'POST' });
        return true;
      }
      req.resume();
      if (action === 'pause') gate.pause();
      else gate.resume();
      send(res, 200, state());
      return true;
    },
    info(baseUrl) {
      return { paused, lostWhilePaused: lostThisPause, pauseUrl: new URL(`${LOCAL_EVENTGRID_PATH}pause`, baseUrl).toString(), resumeUrl: new URL(`${LOCAL_EVENTGRID_PATH}resume`, baseUrl).toString() };
    },
  };
  return gate;
}
