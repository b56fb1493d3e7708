/**
 * The demo's stamps: one Front Door Standard profile with an origin group of three stamps in two regions, and one
 * classic Front Door with two backends. Their policy is scaled so a person sees it work: a probe every 2 s,
 * ejection about 6-8 s after a stamp starts failing (3 failed probes, then the write), readmission 10 s after it
 * recovers at the earliest and within about a minute at most (5 good probes and at least 30 s x ejections out).
 */
import { readFileSync } from 'node:fs';
import type { TokenCredential } from '@azure/core-auth';
import { CdnManagementClient } from '@azure/arm-cdn';
import { FrontDoorManagementClient } from '@azure/arm-frontdoor';
import type { LocalStamp } from '../stamps';

export const DEMO_STAMP_SUBSCRIPTION = 'a0000000-0000-4000-8000-0000000000a1';
export const DEMO_EDGE_RESOURCE_GROUP = 'rg-payments-edge';
const rgId = (rg: string) => `/subscriptions/${DEMO_STAMP_SUBSCRIPTION}/resourceGroups/${rg}`;

export const DEMO_FRONT_DOORS = {
  standard: { name: 'afd-payments', id: `${rgId(DEMO_EDGE_RESOURCE_GROUP)}/providers/Microsoft.Cdn/profiles/afd-payments`, originGroup: 'og-payments' },
  classic: { name: 'fd-payments-legacy', id: `${rgId(DEMO_EDGE_RESOURCE_GROUP)}/providers/Microsoft.Network/frontDoors/fd-payments-legacy`, backendPool: 'legacy' },
} as const;

interface DemoStamp extends LocalStamp {
  origin: { frontDoor: string; originGroup: string; origin: string } | { frontDoor: string; backendPool: string; backendAddress: string };
  hostName: string;
}

const vmss = (rg: string, name: string) => `${rgId(rg)}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;
const vnet = (rg: string, name: string) => `${rgId(rg)}/providers/Microsoft.Network/virtualNetworks/${name}`;

export const DEMO_STAMPS: DemoStamp[] = [
  { name: 'weu-1', region: 'westeurope', hostName: 'weu-1.payments.example', origin: { frontDoor: 'afd-payments', originGroup: 'og-payments', origin: 'weu-1' }, resourceIds: [vnet('rg-payments-weu', 'vnet-payments-weu'), vmss('rg-payments-weu', 'vmss-weu-1')] },
  { name: 'weu-2', region: 'westeurope', hostName: 'weu-2.payments.example', origin: { frontDoor: 'afd-payments', originGroup: 'og-payments', origin: 'weu-2' }, resourceIds: [vmss('rg-payments-weu', 'vmss-weu-2')] },
  { name: 'neu-1', region: 'northeurope', hostName: 'neu-1.payments.example', origin: { frontDoor: 'afd-payments', originGroup: 'og-payments', origin: 'neu-1' }, resourceIds: [vnet('rg-payments-neu', 'vnet-payments-neu'), vmss('rg-payments-neu', 'vmss-neu-1')] },
  { name: 'legacy-weu', region: 'westeurope', hostName: 'legacy-weu.payments.example', origin: { frontDoor: 'fd-payments-legacy', backendPool: 'legacy', backendAddress: 'legacy-weu.payments.example' }, resourceIds: [vmss('rg-payments-weu', 'vmss-legacy-weu')] },
  { name: 'legacy-neu', region: 'northeurope', hostName: 'legacy-neu.payments.example', origin: { frontDoor: 'fd-payments-legacy', backendPool: 'legacy', backendAddress: 'legacy-neu.payments.example' }, resourceIds: [vmss('rg-payments-neu', 'vmss-legacy-neu')] },
];

/** The demo's policy: the defaults scaled for a person watching (see the module comment). */
export const DEMO_STAMP_POLICY = {
  probeIntervalSeconds: 2,
  probeTimeoutSeconds: 1,
  ejectAfterFailures: 3,
  readmitAfterSuccesses: 5,
  minEjectionSeconds: 30,
  maxEjectionSeconds: 120,
  ejectionCountDecaySeconds: 600,
  maxEjectedFraction: 1 / 3,
  degradedIsUnhealthy: false,
  nonResolvingAlertHoldSeconds: 120,
};

/** The control plane's `stamps` block for the demo, with each stamp's local health URL. */
export function demoStampsConfig(healthUrls: Record<string, string>, policy: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    frontDoors: [
      { name: DEMO_FRONT_DOORS.standard.name, id: DEMO_FRONT_DOORS.standard.id },
      { name: DEMO_FRONT_DOORS.classic.name, id: DEMO_FRONT_DOORS.classic.id },
    ],
    stamps: DEMO_STAMPS.map((s) => ({ name: s.name, region: s.region, origin: s.origin, healthUrl: healthUrls[s.name] ?? '', resourceIds: s.resourceIds })),
    policy: { ...DEMO_STAMP_POLICY, ...policy },
  };
}

/** Creates the demo's Front Door profiles through the real SDK clients (the emulator's Microsoft.Cdn and classic types). */
export async function seedDemoFrontDoors(
  arm: { createResourceGroup(subscriptionId: string, name: string, location?: string): string },
  connection: { endpoint: string; caCertFile: string; credential: TokenCredential; updateIntervalInMs: number },
): Promise<void> {
  arm.createResourceGroup(DEMO_STAMP_SUBSCRIPTION, DEMO_EDGE_RESOURCE_GROUP, 'westeurope');
  const options = { endpoint: connection.endpoint, tlsOptions: { ca: readFileSync(connection.caCertFile, 'utf8') } };
  const poll = { updateIntervalInMs: connection.updateIntervalInMs };
  const cdn = new CdnManagementClient(connection.credential, DEMO_STAMP_SUBSCRIPTION, options);
  const rg = DEMO_EDGE_RESOURCE_GROUP;
  const profile = DEMO_FRONT_DOORS.standard.name;
  await cdn.profiles.beginCreateAndWait(rg, profile, { location: 'Global', sku: { name: 'Standard_AzureFrontDoor' } }, poll);
  await cdn.afdOriginGroups.beginCreateAndWait(rg, profile, DEMO_FRONT_DOORS.standard.originGroup, {
    loadBalancingSettings: { sampleSize: 4, successfulSamplesRequired: 3, additionalLatencyInMilliseconds: 50 },
    healthProbeSettings: { probePath: '/health', probeRequestType: 'GET', probeProtocol: 'Https', probeIntervalInSeconds: 30 },
  }, poll);
  for (const stamp of DEMO_STAMPS) {
    if (!('originGroup' in stamp.origin)) continue;
    await cdn.afdOrigins.beginCreateAndWait(rg, profile, stamp.origin.originGroup, stamp.origin.origin, { hostName: stamp.hostName, httpPort: 80, httpsPort: 443, enabledState: 'Enabled', priority: 1, weight: 1000 }, poll);
  }
  const classic = new FrontDoorManagementClient(connection.credential, DEMO_STAMP_SUBSCRIPTION, options);
  await classic.frontDoors.createOrUpdate(rg, DEMO_FRONT_DOORS.classic.name, {
    location: 'global',
    friendlyName: 'payments (classic)',
    enabledState: 'Enabled',
    backendPools: [{
      name: DEMO_FRONT_DOORS.classic.backendPool,
      backends: DEMO_STAMPS.filter((s) => 'backendPool' in s.origin).map((s) => ({ address: s.hostName, httpPort: 80, httpsPort: 443, enabledState: 'Enabled' as const, weight: 50, priority: 1 })),
    }],
    frontendEndpoints: [{ name: 'default', hostName: `${DEMO_FRONT_DOORS.classic.name}.azurefd.net` }],
  }, poll);
}
