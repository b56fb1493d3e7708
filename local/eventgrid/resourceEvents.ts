/**
 * Maps a ResourceNotification to the events an Azure subscription's system topic (Microsoft.Resources.Subscriptions)
 * emits: `Microsoft.Resources.Resource{Write,Delete,Action}{Success,Failure,Cancel}`, in the Event Grid schema
 * (dataVersion "2", metadataVersion "1") and in CloudEvents 1.0. Shapes follow the examples in
 * Azure/azure-rest-api-specs specification/eventgrid/data-plane/Microsoft.Resources (event-grid-schema and
 * cloud-events-schema) and the Learn page "Azure subscription as an Event Grid source".
 */
import type { ResourceNotification, ResourceOperationKind, ResourceOperationStatus } from './notification';

/** Event data of every Microsoft.Resources.* event (the same fields for all nine types). */
export interface ResourceEventData {
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  resourceProvider: string;
  resourceUri: string;
  operationName: string;
  status: string;
  authorization: { scope: string; action: string; evidence: Record<string, string> };
  claims: Record<string, string>;
  correlationId: string;
  httpRequest: { clientRequestId: string; clientIpAddress: string; method: string; url: string };
}

export interface EventGridSchemaEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: ResourceEventData;
  dataVersion: string;
  metadataVersion: '1';
}

export interface CloudEventSchemaEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: ResourceEventData;
}

/**
 * How resource IDs are spelled in `subject`, `data.resourceUri` and `data.authorization.scope`.
 * Real events do not preserve ARM's casing (the specs' write example says `resourcegroups`, the delete example
 * `resourceGroups`), so consumers must compare IDs case-insensitively; the defaults reproduce the common lower-case form.
 */
export interface ResourceIdCasing {
  /** `lower` (default): `/resourcegroups/`; `preserve`: as the client sent it. */
  resourceGroupsSegment: 'lower' | 'preserve';
  /** The namespace after each `/providers/`: `preserve` (default) or `lower` (`microsoft.network`). */
  providerNamespace: 'preserve' | 'lower';
  /** The resource group *name* in IDs and in `data.resourceGroup`: `preserve` (default), `lower` or `upper`. */
  resourceGroupName: 'preserve' | 'lower' | 'upper';
}

export const defaultResourceIdCasing: ResourceIdCasing = {
  resourceGroupsSegment: 'lower',
  providerNamespace: 'preserve',
  resourceGroupName: 'preserve',
};

export interface ResourceEventOptions {
  casing?: Partial<ResourceIdCasing>;
  /** `data.httpRequest.clientIpAddress`; the caller's address is unknown to the emulator. */
  clientIpAddress?: string;
  /** `data.authorization.evidence.role`. */
  evidenceRole?: string;
}

const outcomeByStatus: Record<ResourceOperationStatus, string> = {
  Succeeded: 'Success',
  Failed: 'Failure',
  Canceled: 'Cancel',
};

const kindName: Record<ResourceOperationKind, string> = { write: 'Write', delete: 'Delete', action: 'Action' };

/** `Microsoft.Resources.ResourceWriteSuccess` and its eight siblings. */
export function resourceEventType(kind: ResourceOperationKind, status: ResourceOperationStatus): string {
  return `Microsoft.Resources.Resource${kindName[kind]}${outcomeByStatus[status]}`;
}

function caseName(name: string, mode: ResourceIdCasing['resourceGroupName']): string {
  if (mode === 'lower') return name.toLowerCase();
  if (mode === 'upper') return name.toUpperCase();
  return name;
}

/** Re-spells a resource ID the way Event Grid delivers it (see {@link ResourceIdCasing}). */
export function caseResourceId(resourceId: string, casing: ResourceIdCasing): string {
  const segments = resourceId.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] ?? '';
    const previous = (segments[i - 1] ?? '').toLowerCase();
    // Only the top-level `/subscriptions/{s}/resourceGroups/{rg}` pair is a resource group segment.
    if (i === 3 && segment.toLowerCase() === 'resourcegroups' && segments[1]?.toLowerCase() === 'subscriptions') {
      segments[i] = casing.resourceGroupsSegment === 'lower' ? 'resourcegroups' : segment;
      const name = segments[i + 1];
      if (name !== undefined) segments[i + 1] = caseName(name, casing.resourceGroupName);
    } else if (previous === 'providers' && casing.providerNamespace === 'lower') {
      segments[i] = segment.toLowerCase();
    }
  }
  return segments.join('/');
}

function toIsoTime(time: ResourceNotification['time']): string {
  const date = time instanceof Date ? time : new Date(time);
  if (Number.isNaN(date.getTime())) {
    throw new RangeError(`ResourceNotification.time ${JSON.stringify(time)} is not a valid date`);
  }
  return date.toISOString();
}

const objectIdClaim = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const upnClaim = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';

/** The data block shared by both schemas. */
export function resourceEventData(n: ResourceNotification, options: ResourceEventOptions = {}): ResourceEventData {
  const casing: ResourceIdCasing = { ...defaultResourceIdCasing, ...options.casing };
  const resourceUri = caseResourceId(n.resourceUri, casing);
  const principalId = n.claims[objectIdClaim] ?? n.claims['oid'] ?? n.principalId ?? '';
  const isUser = n.claims[upnClaim] !== undefined || n.claims['upn'] !== undefined;
  return {
    tenantId: n.tenantId,
    subscriptionId: n.subscriptionId,
    resourceGroup: caseName(n.resourceGroup, casing.resourceGroupName),
    resourceProvider: n.resourceProvider,
    resourceUri,
    operationName: n.operationName,
    status: n.status,
    authorization: {
      scope: resourceUri,
      action: n.operationName,
      evidence: {
        role: options.evidenceRole ?? 'Contributor',
        roleAssignmentScope: `/subscriptions/${n.subscriptionId}`,
        principalId,
        principalType: isUser ? 'User' : 'ServicePrincipal',
      },
    },
    claims: { ...n.claims },
    correlationId: n.correlationId,
    httpRequest: {
      clientRequestId: n.clientRequestId,
      clientIpAddress: options.clientIpAddress ?? '127.0.0.1',
      method: n.httpMethod.toUpperCase(),
      url: n.url,
    },
  };
}

/** The topic of a subscription's system topic, as events carry it (`topic` / CloudEvents `source`). */
export function subscriptionTopic(subscriptionId: string): string {
  return `/subscriptions/${subscriptionId}`;
}

/** One event in both wire forms, sharing id and time (Event Grid fans one event out to every subscription). */
export interface PublishedResourceEvent {
  eventGrid: EventGridSchemaEvent;
  cloudEvent: CloudEventSchemaEvent;
}

export function toResourceEvents(
  n: ResourceNotification,
  id: string,
  options: ResourceEventOptions = {},
): PublishedResourceEvent {
  const data = resourceEventData(n, options);
  const type = resourceEventType(n.kind, n.status);
  const time = toIsoTime(n.time);
  const topic = subscriptionTopic(n.subscriptionId);
  return {
    eventGrid: {
      id,
      topic,
      subject: data.resourceUri,
      eventType: type,
      eventTime: time,
      data,
      dataVersion: '2',
      metadataVersion: '1',
    },
    cloudEvent: {
      specversion: '1.0',
      id,
      source: topic,
      type,
      subject: data.resourceUri,
      time,
      datacontenttype: 'application/json',
      data,
    },
  };
}
