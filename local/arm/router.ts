/**
 * The request pipeline, in ARM's order: authentication, api-version, routing, fault injection, throttling, then the
 * resource provider. Every answer carries x-ms-request-id, x-ms-correlation-request-id and the rate-limit headers.
 */
import { randomUUID } from 'node:crypto';
import type { ArmRequest, ArmResponse, EmulatorCore, Principal, RequestContext } from './context';
import { notify } from './context';
import {
  ArmError,
  authenticationMalformed,
  authenticationMissing,
  invalidApiVersionForResourceGroups,
  invalidResourceType,
  missingApiVersion,
  unsupportedApiVersion,
} from './errors';
import * as firewall from './handlers/firewallPolicies';
import { getOperationResult, getOperationStatus } from './handlers/operationStatus';
import * as dns from './handlers/privateDns';
import * as groups from './handlers/resourceGroups';
import { DECLARED_TYPES } from './registry';
import { deleteResource, findType, getResource, listResources, methodNotAllowed, patchResource, putResource, type AnyResourceType } from './resourceTypes';
import { CDN_API_VERSIONS, FRONTDOOR_API_VERSIONS, NETWORK_API_VERSIONS, PRIVATE_DNS_API_VERSIONS, RESOURCES_API_VERSIONS } from './options';
import type { RequestLog } from './requestLog';
import { idKey, networkId } from './resourceId';
import type { DnsLimitKind, RequestClass, Throttler } from './throttling';
import { throttleRetryHeaders } from './throttling';

type Family = 'network' | 'privateDns' | 'resources';

interface Route {
  /** Operation kind for the request log, e.g. `virtualNetworkPeerings`. */
  label: string;
  family: Family;
  /** Type named in api-version errors, e.g. `virtualNetworks`. */
  typeName: string;
  /** Counts against the Microsoft.Network quota. */
  network: boolean;
  dns?: { zoneKey: string; kind: DnsLimitKind };
  /** Provider-level type for failure notifications, e.g. `Microsoft.Network/virtualNetworks`; none for status reads. */
  operationType?: string;
  resourceGroup?: string;
  /** api-versions of a declared type that are not its family's. */
  versions?: readonly string[];
  handle: () => ArmResponse;
}

const VERSIONS: Record<Family, readonly string[]> = {
  network: NETWORK_API_VERSIONS,
  privateDns: PRIVATE_DNS_API_VERSIONS,
  resources: RESOURCES_API_VERSIONS,
};

/** A response header, whatever the case it was set in. */
function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === name) return value;
  return undefined;
}

export class ArmRouter {
  constructor(
    private readonly core: EmulatorCore,
    private readonly throttler: Throttler,
    private readonly requestLog: RequestLog,
    private readonly tenantId: string,
  ) {}

  handle(request: ArmRequest): ArmResponse {
    const method = request.method.toUpperCase();
    const correlationId = request.headers['x-ms-correlation-request-id'] ?? randomUUID();
    const base: Record<string, string> = {
      'x-ms-request-id': randomUUID(),
      'x-ms-correlation-request-id': correlationId,
      'Cache-Control': 'no-cache',
    };
    let label = 'unknown';
    let principalId: string | undefined;
    let response: ArmResponse;
    let injected: 'http' | 'lroFailure' | undefined;
    const lroFailuresBefore = this.core.faults.lroFailuresTaken;
    try {
      const principal = this.authenticate(request);
      principalId = principal.id;
      const segments = request.url.pathname.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
      const apiVersion = request.url.searchParams.get('api-version');
      const ctx: RequestContext = {
        request,
        method,
        apiVersion: apiVersion ?? '',
        base: request.url.origin,
        subscriptionId: segments[1] ?? '',
        correlationId,
        clientRequestId: request.headers['x-ms-client-request-id'] ?? '',
        principal,
      };
      const route = this.route(ctx, segments, method);
      label = route.label;
      if (!apiVersion) throw missingApiVersion();
      const supported = route.versions ?? VERSIONS[route.family];
      if (!supported.includes(apiVersion)) {
        throw route.family === 'resources'
          ? invalidApiVersionForResourceGroups(apiVersion, supported)
          : unsupportedApiVersion(route.typeName, apiVersion, supported, 'global');
      }
      const fault = this.core.faults.takeHttp(method, request.url.pathname);
      if (fault) {
        injected = 'http';
        throw new ArmError(
          fault.status,
          fault.code ?? defaultFaultCode(fault.status),
          fault.message ?? defaultFaultMessage(fault.status, ctx.subscriptionId),
          fault.retryAfterSeconds !== undefined ? throttleRetryHeaders(fault.retryAfterSeconds, this.core.timeScale) : {},
        );
      }
      Object.assign(
        base,
        this.throttler.admit({
          subscriptionId: ctx.subscriptionId,
          principal: principal.id,
          requestClass: requestClassOf(method),
          network: route.network,
          dns: route.dns,
        }),
      );
      try {
        response = route.handle();
      } catch (error) {
        if (error instanceof ArmError && route.operationType && route.resourceGroup && method !== 'GET' && method !== 'HEAD' && error.code !== 'ResourceGroupNotFound') {
          // The resource provider rejected a write: Azure records (and publishes) a failed write/delete.
          notify(this.core, ctx, {
            kind: method === 'DELETE' ? 'delete' : 'write',
            status: 'Failed',
            resourceUri: request.url.pathname,
            operationName: `${route.operationType}/${method === 'DELETE' ? 'delete' : 'write'}`,
            resourceGroup: route.resourceGroup,
            resourceProvider: route.operationType.split('/')[0] ?? 'Microsoft.Network',
            error: { code: error.code, message: error.message },
          });
        }
        throw error;
      }
    } catch (error) {
      if (!(error instanceof ArmError)) {
        this.core.log('warn', `ARM emulator: unexpected error answering ${method} ${request.url.pathname}: ${String(error)}`);
      }
      const armError = error instanceof ArmError ? error : new ArmError(500, 'InternalServerError', 'An internal error occurred in the ARM emulator.');
      response = { status: armError.status, headers: armError.headers, body: armError.body() };
    }
    if (this.core.faults.lroFailuresTaken > lroFailuresBefore) injected = 'lroFailure';
    const operationUrl = headerOf(response.headers, 'azure-asyncoperation') ?? headerOf(response.headers, 'location');
    this.requestLog.record(`${method} ${label}`, response.status, principalId, request.url.pathname, { ...(injected ? { injected } : {}), ...(operationUrl ? { operationUrl } : {}) });
    return { ...response, headers: { ...base, ...response.headers } };
  }

  private authenticate(request: ArmRequest): Principal {
    const header = request.headers['authorization'];
    if (!header) throw authenticationMissing();
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw authenticationMalformed();
    const claims = decodeJwtClaims(match[1]);
    return {
      id: claims['oid'] ?? claims['appid'] ?? claims['sub'] ?? 'unknown',
      tenantId: claims['tid'] ?? this.tenantId,
      claims,
    };
  }

  private route(ctx: RequestContext, s: string[], method: string): Route {
    const core = this.core;
    const lower = s.map((x) => x.toLowerCase());
    const notEmulated = (family: Family, type: string): Route => ({
      label: type,
      family,
      typeName: type,
      network: false,
      handle: () => {
        throw invalidResourceType(type, family === 'resources' ? 'Microsoft.Resources' : 'Microsoft.Network', ctx.apiVersion);
      },
    });
    const methodNotAllowed = (): never => {
      throw new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`);
    };
    if (lower[0] !== 'subscriptions' || !s[1]) return notEmulated('resources', s.join('/'));
    if (lower.length === 2) return notEmulated('resources', 'subscriptions');

    // Subscription level.
    if (lower[2] === 'resourcegroups') {
      const rg = s[3];
      if (!rg) {
        return { label: 'resourceGroups', family: 'resources', typeName: 'resourceGroups', network: false, handle: () => (method === 'GET' ? groups.listResourceGroups(core, ctx) : methodNotAllowed()) };
      }
      if (lower.length === 4) {
        return {
          label: 'resourceGroups',
          family: 'resources',
          typeName: 'resourceGroups',
          network: false,
          operationType: 'Microsoft.Resources/subscriptions/resourceGroups',
          resourceGroup: rg,
          handle: () => {
            switch (method) {
              case 'PUT':
                return groups.putResourceGroup(core, ctx, rg);
              case 'GET':
              case 'HEAD':
                return groups.getResourceGroup(core, ctx, rg, method === 'HEAD');
              case 'DELETE':
                return groups.deleteResourceGroup(core, ctx, rg);
              default:
                return methodNotAllowed();
            }
          },
        };
      }
      if (lower[4] === 'providers' && lower[5] === 'microsoft.network') return this.networkRoute(ctx, method, rg, s.slice(6));
      if (lower[4] === 'providers' && lower[5] === 'microsoft.cdn' && lower[6] === 'operationresults' && s[7]) {
        const id = s[7];
        const isStatus = lower[8] !== 'result';
        return {
          label: 'cdnOperationResults',
          family: 'network',
          typeName: 'operationresults',
          network: false,
          versions: CDN_API_VERSIONS,
          handle: () => (isStatus ? getOperationStatus(core, ctx, id, 'cdn') : getOperationResult(core, ctx, id, 'cdn')),
        };
      }
      if (lower[4] === 'providers' && s[5]) {
        // Declared types of other providers (e.g. Microsoft.Cdn).
        const rest = s.slice(6);
        const declared = findType(DECLARED_TYPES, rest.filter((_, i) => i % 2 === 0), s[5]);
        if (declared) return this.declaredRoute(ctx, declared, rg, rest.filter((_, i) => i % 2 === 1), rest.length % 2 === 1);
      }
      return notEmulated('resources', s.slice(4, 7).join('/'));
    }
    if (lower[2] === 'operationresults' && s[3]) {
      const id = s[3];
      return { label: 'operationResults', family: 'resources', typeName: 'operationResults', network: false, handle: () => getOperationResult(core, ctx, id, 'resourceGroup') };
    }
    if (lower[2] === 'providers' && lower[3] === 'microsoft.network') {
      const rest = lower.slice(4);
      if (rest[0] === 'locations' && (rest[2] === 'operations' || rest[2] === 'operationresults') && s[7]) {
        const id = s[7];
        const isStatus = rest[2] === 'operations';
        return {
          label: isStatus ? 'operations' : 'operationResults',
          family: 'network',
          typeName: 'locations/operations',
          network: true,
          // Classic Front Door (Microsoft.Network/frontDoors) operations are polled with its own api-version.
          versions: [...NETWORK_API_VERSIONS, ...FRONTDOOR_API_VERSIONS],
          handle: () => (isStatus ? getOperationStatus(core, ctx, id, 'network') : getOperationResult(core, ctx, id, 'network')),
        };
      }
      if (rest.length === 1 && method === 'GET') {
        const declared = findType(DECLARED_TYPES, [s[4] ?? '']);
        if (declared?.listBySubscription) return this.declaredRoute(ctx, declared, undefined, [], true);
        if (rest[0] === 'azurefirewallfqdntags') return { label: 'azureFirewallFqdnTags', family: 'network', typeName: 'azureFirewallFqdnTags', network: true, handle: () => firewall.listFqdnTags(core, ctx) };
        if (rest[0] === 'privatednszones') return { label: 'privateDnsZones', family: 'privateDns', typeName: 'privateDnsZones', network: false, handle: () => dns.listZones(core, ctx, undefined) };
      }
      return notEmulated('network', s.slice(4).join('/'));
    }
    return notEmulated('resources', s.slice(2).join('/'));
  }

  private networkRoute(ctx: RequestContext, method: string, rg: string, rest: string[]): Route {
    const core = this.core;
    const type = (rest[0] ?? '').toLowerCase();
    const name = rest[1];
    // A declared type: collections at the even positions, names at the odd ones; an odd length lists a collection.
    const collections = rest.filter((_, i) => i % 2 === 0);
    const names = rest.filter((_, i) => i % 2 === 1);
    const declared = findType(DECLARED_TYPES, collections);
    if (declared) return this.declaredRoute(ctx, declared, rg, names, rest.length % 2 === 1);
    if ((type === 'privatednsoperationstatuses' || type === 'privatednsoperationresults') && name) {
      const isStatus = type === 'privatednsoperationstatuses';
      return {
        label: isStatus ? 'privateDnsOperationStatuses' : 'privateDnsOperationResults',
        family: 'privateDns',
        typeName: type,
        network: false,
        handle: () => (isStatus ? getOperationStatus(core, ctx, name, 'privateDns') : getOperationResult(core, ctx, name, 'privateDns')),
      };
    }
    if (type === 'privatednszones') return this.privateDnsRoute(ctx, method, rg, rest);
    return {
      label: rest[0] ?? 'unknown',
      family: 'network',
      typeName: rest[0] ?? '',
      network: true,
      handle: () => {
        throw invalidResourceType(rest.filter((_, i) => i % 2 === 0).join('/'), 'Microsoft.Network', ctx.apiVersion);
      },
    };
  }

  /** The generic handler's route for a declared type: list (by parent, group or subscription), PUT, GET, DELETE. */
  private declaredRoute(ctx: RequestContext, declared: AnyResourceType, rg: string | undefined, names: string[], isList: boolean): Route {
    const core = this.core;
    const method = ctx.method;
    const label = declared.path[declared.path.length - 1] ?? declared.type;
    return {
      label,
      family: 'network',
      typeName: label,
      network: declared.type.toLowerCase().startsWith('microsoft.network/'),
      versions: declared.apiVersions,
      // Read-only types take no write to the resource provider, so no failed-write event either.
      operationType: declared.readOnly ? undefined : declared.type,
      resourceGroup: rg,
      handle: () => {
        if (isList) {
          if (method !== 'GET') throw methodNotAllowed(method);
          return listResources(core, ctx, declared, rg, names);
        }
        if (rg === undefined) throw methodNotAllowed(method);
        switch (method) {
          case 'PUT':
            return putResource(core, ctx, declared, rg, names);
          case 'GET':
            return getResource(core, ctx, declared, rg, names);
          case 'DELETE':
            return deleteResource(core, ctx, declared, rg, names);
          case 'PATCH':
            return patchResource(core, ctx, declared, rg, names);
          default:
            throw methodNotAllowed(method);
        }
      },
    };
  }

  private privateDnsRoute(ctx: RequestContext, method: string, rg: string, rest: string[]): Route {
    const core = this.core;
    const zone = rest[1];
    const childType = rest[2];
    const childName = rest[3];
    const zoneType = 'Microsoft.Network/privateDnsZones';
    const base = { family: 'privateDns' as const, network: false, resourceGroup: rg };
    const dispatch = (ops: Partial<Record<'PUT' | 'GET' | 'DELETE', () => ArmResponse>>) => () => {
      const op = ops[method as 'PUT' | 'GET' | 'DELETE'];
      if (!op) throw new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`);
      return op();
    };
    if (!zone) return { ...base, label: 'privateDnsZones', typeName: 'privateDnsZones', handle: dispatch({ GET: () => dns.listZones(core, ctx, rg) }) };
    const zoneKey = idKey(networkId(ctx.subscriptionId, rg, 'privateDnsZones', zone));
    if (!childType) {
      return {
        ...base,
        label: 'privateDnsZones',
        typeName: 'privateDnsZones',
        operationType: zoneType,
        handle: dispatch({ PUT: () => dns.putZone(core, ctx, rg, zone), GET: () => dns.getZone(core, ctx, rg, zone), DELETE: () => dns.deleteZone(core, ctx, rg, zone) }),
      };
    }
    if (childType.toLowerCase() === 'virtualnetworklinks') {
      const linkType = `${zoneType}/virtualNetworkLinks`;
      const writes = method === 'PUT' || method === 'DELETE' || method === 'PATCH';
      const dnsLimit = writes ? { zoneKey, kind: 'linkWrite' as const } : undefined;
      if (!childName) return { ...base, label: 'virtualNetworkLinks', typeName: 'privateDnsZones/virtualNetworkLinks', operationType: linkType, handle: dispatch({ GET: () => dns.listLinks(core, ctx, rg, zone) }) };
      return {
        ...base,
        label: 'virtualNetworkLinks',
        typeName: 'privateDnsZones/virtualNetworkLinks',
        operationType: linkType,
        dns: dnsLimit,
        handle: dispatch({
          PUT: () => dns.putLink(core, ctx, rg, zone, childName),
          GET: () => dns.getLink(core, ctx, rg, zone, childName),
          DELETE: () => dns.deleteLink(core, ctx, rg, zone, childName),
        }),
      };
    }
    const recordType = childType;
    const label = `privateDnsZones/${recordType.toUpperCase() === 'ALL' ? 'ALL' : recordType.toUpperCase()}`;
    if (!childName) {
      return {
        ...base,
        label,
        typeName: label,
        dns: { zoneKey, kind: 'recordSetList' },
        handle: dispatch({ GET: () => dns.listRecordSets(core, ctx, rg, zone, recordType) }),
      };
    }
    const kind: DnsLimitKind = method === 'GET' ? 'recordSetGet' : 'recordSetWrite';
    return {
      ...base,
      label,
      typeName: label,
      operationType: `${zoneType}/${recordType.toUpperCase()}`,
      dns: { zoneKey, kind },
      handle: dispatch({
        PUT: () => dns.putRecordSet(core, ctx, rg, zone, recordType, childName),
        GET: () => dns.getRecordSet(core, ctx, rg, zone, recordType, childName),
        DELETE: () => dns.deleteRecordSet(core, ctx, rg, zone, recordType, childName),
      }),
    };
  }
}

function requestClassOf(method: string): RequestClass {
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (method === 'DELETE') return 'delete';
  return 'write';
}

function defaultFaultCode(status: number): string {
  if (status === 429) return 'SubscriptionRequestsThrottled';
  if (status === 503) return 'ServiceUnavailable';
  if (status >= 500) return 'InternalServerError';
  return 'InjectedFault';
}

function defaultFaultMessage(status: number, subscriptionId: string): string {
  if (status === 429) return `Number of requests for subscription '${subscriptionId}' exceeded. Please try again later.`;
  if (status === 503) return 'The service is temporarily unavailable. Please try again later.';
  if (status >= 500) return 'An internal server error occurred. Please try again later.';
  return 'A fault was injected into this request.';
}

/** Claims of a JWT bearer token (string values only); empty for opaque tokens. Signatures are not checked. */
export function decodeJwtClaims(token: string): Record<string, string> {
  const payload = token.split('.')[1];
  if (!payload || token.split('.').length !== 3) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!parsed || typeof parsed !== 'object') return {};
    return Object.fromEntries(
      Object.entries(parsed as Record<string, unknown>)
        .filter(([, v]) => typeof v === 'string' || typeof v === 'number')
        .map(([k, v]) => [k, String(v)]),
    );
  } catch {
    return {};
  }
}
