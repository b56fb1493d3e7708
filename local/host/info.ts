/**
 * `GET /api/local/info`: what this local environment serves, for people and test harnesses. It exists only in the
 * local host; sections added through `addInfo` (ARM emulator endpoint, Durable engine, ...) appear beside ours.
 */
import type { FunctionInvoker } from '../contract';
import { hasAdminUrl } from './admin';
import { EVENTGRID_WEBHOOK_PATH, isEventGridTrigger } from './eventgrid-webhook';
import type { HttpRouteTable } from './http-routes';
import type { HostKeys } from './keys';
import type { TimerScheduler } from './timers';

export const RESERVED_INFO_SECTIONS = ['host', 'functions'];

export interface InfoInputs {
  baseUrl: string;
  routePrefix: string;
  settingsFile: string | undefined;
  logLevel: string;
  keys: HostKeys;
  app: FunctionInvoker;
  routes: HttpRouteTable;
  timers: TimerScheduler;
  sections: Map<string, () => unknown>;
}

export function functionUrl(baseUrl: string, routePrefix: string, template: string): string {
  const prefix = routePrefix === '' ? '' : `/${routePrefix}`;
  return `${baseUrl}${prefix}/${template.replace(/^~?\//, '')}`;
}

/** One entry per function: its trigger kind and how to reach it. */
export function describeFunctions(inputs: Omit<InfoInputs, 'sections' | 'settingsFile' | 'logLevel' | 'keys'>): Record<string, unknown>[] {
  return inputs.app.list().map((fn) => {
    const entry: Record<string, unknown> = { name: fn.name, trigger: fn.trigger.type };
    const route = inputs.routes.routes.find((r) => r.functionName === fn.name);
    const routeProblem = inputs.routes.problems.find((p) => p.functionName === fn.name);
    const timer = inputs.timers.timers.find((t) => t.functionName === fn.name);
    if (route) {
      Object.assign(entry, {
        methods: route.methods,
        route: route.route.template,
        authLevel: route.authLevel,
        url: functionUrl(inputs.baseUrl, inputs.routePrefix, route.route.template),
      });
    } else if (routeProblem) {
      entry.error = routeProblem.message;
    } else if (isEventGridTrigger(fn.trigger.type)) {
      entry.webhookUrl = `${inputs.baseUrl}${EVENTGRID_WEBHOOK_PATH}?functionName=${encodeURIComponent(fn.name)}`;
    } else if (timer) {
      Object.assign(entry, {
        schedule: timer.schedule,
        ...(timer.resolved ? { resolvedSchedule: timer.resolved.expression } : {}),
        runOnStartup: timer.runOnStartup,
        ...(timer.nextRun !== undefined ? { nextRun: new Date(timer.nextRun).toISOString() } : {}),
        ...(timer.error ? { error: timer.error } : {}),
      });
    }
    if (hasAdminUrl(fn)) entry.adminUrl = `${inputs.baseUrl}/admin/functions/${encodeURIComponent(fn.name)}`;
    return entry;
  });
}

export function buildInfoDocument(inputs: InfoInputs): Record<string, unknown> {
  const document: Record<string, unknown> = {
    host: {
      kind: 'local',
      baseUrl: inputs.baseUrl,
      routePrefix: inputs.routePrefix,
      settingsFile: inputs.settingsFile ?? null,
      logLevel: inputs.logLevel,
      // Whether keys are enforced, never the keys themselves.
      keys: {
        function: Boolean(inputs.keys.functionKey || inputs.keys.masterKey),
        admin: Boolean(inputs.keys.masterKey),
        eventGrid: Boolean(inputs.keys.eventGridKey),
      },
      eventGridWebhook: `${inputs.baseUrl}${EVENTGRID_WEBHOOK_PATH}`,
    },
    functions: describeFunctions(inputs),
  };
  for (const [section, value] of inputs.sections) {
    try {
      document[section] = value();
    } catch (e) {
      document[section] = { error: `section '${section}' failed: ${(e as Error).message}` };
    }
  }
  return document;
}
