/**
 * Azure Monitor alerts in the common alert schema (metric, log search v2, activity log including Resource Health),
 * validated with zod and reduced to what the stamp flow needs, and matched to stamps: by `stampId` in the custom
 * properties (metric: `data.customProperties`, log v2: `data.alertContext.properties`), else by `alertTargetIDs`
 * against the stamps' resource IDs, case-insensitively (Azure lower-cases them).
 * Sources: learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema and alerts-payload-samples.
 */
import { z } from 'zod';
import { resourceKey } from '../azure/resource-id';
import { AlertKind } from './model';

/** The schema caps an alert at 256 KB; anything bigger is not an Azure Monitor alert. */
export const MAX_ALERT_BYTES = 256 * 1024;
const MAX_TARGETS = 100;

export interface StampAlert {
  alertId: string;
  rule: string;
  severity: string;
  condition: 'Fired' | 'Resolved';
  kind: AlertKind;
  signalType: string;
  monitoringService: string;
  targetIds: string[];
  /** The stamp named by the rule's custom properties, when it names one. */
  stampId?: string;
  firedAt: string;
  resolvedAt?: string;
  /** Resource Health only: `currentHealthStatus`. */
  healthStatus?: 'Available' | 'Unavailable' | 'Degraded' | 'Unknown';
  /** One line for the audit: rule, condition and what crossed which threshold. */
  detail: string;
}

const propertyBag = z.record(z.string(), z.unknown()).nullish();

const essentialsSchema = z.object({
  alertId: z.string().min(1).max(1024),
  alertRule: z.string().min(1).max(1024),
  severity: z.string().regex(/^Sev[0-4]$/, 'must be Sev0 to Sev4'),
  signalType: z.enum(['Metric', 'Log', 'Activity Log']),
  monitorCondition: z.enum(['Fired', 'Resolved']),
  monitoringService: z.string().min(1).max(200),
  alertTargetIDs: z.array(z.string().max(2048)).max(MAX_TARGETS, `at most ${MAX_TARGETS} alertTargetIDs`).default([]),
  firedDateTime: z.string().min(1),
  resolvedDateTime: z.string().optional(),
});

const criterionSchema = z.object({ metricName: z.string().optional(), searchQuery: z.string().optional(), operator: z.string().optional(), threshold: z.unknown().optional(), metricValue: z.unknown().optional() });

const alertContextSchema = z
  .object({
    properties: propertyBag,
    conditionType: z.string().optional(),
    condition: z.object({ allOf: z.array(criterionSchema).max(50).optional() }).nullish(),
    eventSource: z.string().optional(),
    status: z.string().optional(),
  })
  .nullish();

const commonAlertSchema = z.object({
  schemaId: z.literal('azureMonitorCommonAlertSchema', { error: 'schemaId must be "azureMonitorCommonAlertSchema": turn on the common alert schema in the action group' }),
  data: z.object({ essentials: essentialsSchema, alertContext: alertContextSchema, customProperties: propertyBag }),
});

export type ParsedAlert = { ok: true; alert: StampAlert } | { ok: false; error: string };

/**
 * The common-schema doc names the service `Resource Health` (section "monitoringService = 'Resource Health'"), other
 * samples `ResourceHealth`; the alert context's `eventSource` is `ResourceHealth` in both.
 */
function kindOf(signalType: string, monitoringService: string, eventSource: string | undefined): AlertKind {
  if (monitoringService.replace(/\s+/g, '').toLowerCase() === 'resourcehealth' || eventSource?.toLowerCase() === 'resourcehealth') return 'resourceHealth';
  if (signalType === 'Metric') return 'metric';
  if (signalType === 'Log') return 'log';
  return 'activityLog';
}

function stringProperty(bag: Record<string, unknown> | null | undefined, key: string): string | undefined {
  const value = bag?.[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

const HEALTH = ['Available', 'Unavailable', 'Degraded', 'Unknown'] as const;

/** Validates a webhook body as a common-schema alert; the error names the field that is wrong. */
export function parseCommonAlert(body: unknown): ParsedAlert {
  const parsed = commonAlertSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `not an Azure Monitor common-schema alert: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'}` };
  }
  const { essentials: e, alertContext: ctx, customProperties } = parsed.data.data;
  const kind = kindOf(e.signalType, e.monitoringService, ctx?.eventSource);
  const stampId = stringProperty(customProperties, 'stampId') ?? stringProperty(ctx?.properties, 'stampId');
  let healthStatus: StampAlert['healthStatus'];
  if (kind === 'resourceHealth') {
    const raw = stringProperty(ctx?.properties, 'currentHealthStatus');
    healthStatus = HEALTH.find((h) => h.toLowerCase() === raw?.toLowerCase());
    if (!healthStatus) return { ok: false, error: `a Resource Health alert needs data.alertContext.properties.currentHealthStatus (one of ${HEALTH.join(', ')}); got ${raw === undefined ? 'none' : `"${raw}"`}` };
  }
  const criterion = ctx?.condition?.allOf?.[0];
  const what = healthStatus
    ? `health ${stringProperty(ctx?.properties, 'previousHealthStatus') ?? '?'} -> ${healthStatus}`
    : criterion
      ? `${criterion.metricName ?? criterion.searchQuery ?? 'condition'} ${criterion.operator ?? ''} ${String(criterion.threshold ?? '')} (value ${String(criterion.metricValue ?? '?')})`.replace(/\s+/g, ' ')
      : e.signalType;
  return {
    ok: true,
    alert: {
      alertId: e.alertId,
      rule: e.alertRule,
      severity: e.severity,
      condition: e.monitorCondition,
      kind,
      signalType: e.signalType,
      monitoringService: e.monitoringService,
      targetIds: e.alertTargetIDs,
      ...(stampId ? { stampId } : {}),
      firedAt: e.firedDateTime,
      ...(e.resolvedDateTime ? { resolvedAt: e.resolvedDateTime } : {}),
      ...(healthStatus ? { healthStatus } : {}),
      detail: `${e.alertRule} ${e.monitorCondition} (${e.severity}, ${e.monitoringService}): ${what}`.slice(0, 500),
    },
  };
}

export interface StampResources {
  name: string;
  resourceIds: string[];
}

/**
 * The stamps an alert is about: the one its `stampId` names (no fallback when it names an unknown stamp: that is a
 * misconfigured rule, reported), else every stamp owning one of its target resources.
 */
export function stampsForAlert(alert: StampAlert, stamps: StampResources[]): { stamps: string[]; by: 'stampId' | 'alertTargetIDs' } {
  if (alert.stampId) {
    const stamp = stamps.find((s) => s.name.toLowerCase() === alert.stampId?.toLowerCase());
    return { stamps: stamp ? [stamp.name] : [], by: 'stampId' };
  }
  const targets = new Set(alert.targetIds.map(resourceKey));
  return { stamps: stamps.filter((s) => s.resourceIds.some((id) => targets.has(resourceKey(id)))).map((s) => s.name), by: 'alertTargetIDs' };
}
