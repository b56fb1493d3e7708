import { parseResourceEvent, type ResourceEvent } from '../../../shared/events/resource-event';
import { stampsSchema } from '../../../shared/stamps/config';
import { routeStampEvent, stampsOwning, type StampEventRoute } from '../../../shared/stamps/routing';

const SUB = 'a0000000-0000-4000-8000-0000000000a1';
const rg = (name: string) => `/subscriptions/${SUB}/resourceGroups/${name}`;
const VMSS = `${rg('rg-weu')}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-weu-1`;
const APP = `${rg('rg-neu')}/providers/Microsoft.Web/sites/app-neu-1`;
const stamps = stampsSchema.parse({
  frontDoors: [{ name: 'afd', id: `${rg('rg-edge')}/providers/Microsoft.Cdn/profiles/afd` }],
  stamps: [
    { name: 'weu-1', region: 'westeurope', origin: { frontDoor: 'afd', originGroup: 'og', origin: 'weu-1' }, healthUrl: 'http://127.0.0.1:1/h', resourceIds: [VMSS] },
    { name: 'neu-1', region: 'northeurope', origin: { frontDoor: 'afd', originGroup: 'og', origin: 'neu-1' }, healthUrl: 'http://127.0.0.1:2/h', resourceIds: [APP] },
  ],
});

function event(subject: string, verb: 'Write' | 'Delete' | 'Action', outcome: 'Success' | 'Failure' = 'Success'): ResourceEvent {
  const parsed = parseResourceEvent({ id: `e-${verb}`, topic: `/subscriptions/${SUB}`, subject, eventType: `Microsoft.Resources.Resource${verb}${outcome}`, eventTime: '2026-11-28T10:00:00Z', data: { operationName: `x/${verb.toLowerCase()}`, resourceUri: subject }, dataVersion: '2', metadataVersion: '1' });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
}

describe('routeStampEvent', () => {
  it.each<[string, ResourceEvent, StampEventRoute]>([
    ['a stamp resource deleted', event(VMSS, 'Delete'), { kind: 'signal', signal: 'deleted', stamps: [{ stamp: 'weu-1', resourceId: VMSS }] }],
    ['a stamp resource deleted, lower-cased', event(VMSS.toLowerCase(), 'Delete'), { kind: 'signal', signal: 'deleted', stamps: [{ stamp: 'weu-1', resourceId: VMSS }] }],
    ['its resource group deleted', event(rg('rg-neu'), 'Delete'), { kind: 'signal', signal: 'deleted', stamps: [{ stamp: 'neu-1', resourceId: APP }] }],
    ['a stamp resource written (again)', event(APP, 'Write'), { kind: 'signal', signal: 'restored', stamps: [{ stamp: 'neu-1', resourceId: APP }] }],
    ['a child of a stamp resource written', event(`${APP}/config/web`, 'Write'), { kind: 'other' }],
    ['a scale set scaling in (one of its VMs deleted)', event(`${VMSS}/virtualMachines/3`, 'Delete'), { kind: 'other' }],
    ['a scale set VM written', event(`${VMSS}/virtualMachines/3`, 'Write'), { kind: 'other' }],
    ['a failed delete', event(VMSS, 'Delete', 'Failure'), { kind: 'ignore', reason: 'delete Failure: nothing changed' }],
    ['an action', event(VMSS, 'Action'), { kind: 'ignore', reason: 'an action on a stamp resource changes nothing the stamp flow reads' }],
    ['another resource', event(`${rg('rg-weu')}/providers/Microsoft.Web/sites/other`, 'Delete'), { kind: 'other' }],
    ['a resource group written (not a stamp resource)', event(rg('rg-weu'), 'Write'), { kind: 'other' }],
  ])('%s', (_label, input, expected) => {
    expect(routeStampEvent({ stamps }, input)).toEqual(expected);
  });

  it('without a stamps block every event is another flow\'s', () => {
    expect(routeStampEvent({}, event(VMSS, 'Delete'))).toEqual({ kind: 'other' });
  });

  it('a scale set VM belongs to the stamp owning its scale set (Health Resources targets)', () => {
    expect(stampsOwning(stamps, `${VMSS}/virtualMachines/3`)).toEqual([{ stamp: 'weu-1', resourceId: VMSS }]);
    expect(stampsOwning(stamps, rg('rg-weu'))).toEqual([]);
  });
});
