import type { HubConfig } from '../../../shared/config';
import { SelectionConfig, SpokeSelection, selectSpoke, tagValue } from '../../../shared/peering/selection';

const SUB = '00000000-0000-0000-0000-00000000c0de';
const WL = '00000000-0000-0000-0000-0000000000a1';
const OTHER = '00000000-0000-0000-0000-0000000000b2';
const vnetId = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;
const HUB_WEU: HubConfig = { name: 'westeurope', region: 'westeurope', vnetId: vnetId(SUB, 'rg-hub', 'hub-weu') };
const HUB_CORE: HubConfig = { name: 'Core-NEU', region: 'northeurope', vnetId: vnetId(SUB, 'rg-hub', 'hub-neu') };
const SPOKE_ID = vnetId(WL, 'rg-app', 'spoke-app');

const peering = (extra: Partial<SelectionConfig['peering']> = {}): SelectionConfig['peering'] => ({
  selection: 'opt-out', optOutTag: 'hubspoke-opt-out', optInTag: 'hubspoke-opt-in', hubTag: 'hubspoke-hub', useRemoteGateways: true, ...extra,
});
const config = (extra: Partial<SelectionConfig['peering']> = {}): SelectionConfig => ({
  hubs: [HUB_WEU, HUB_CORE],
  // Subscription IDs as loadConfig leaves them: lower case. SUB (the hubs') is deliberately not watched.
  watchedSubscriptions: [WL],
  peering: peering(extra),
});
const vnet = (tags: Record<string, string> = {}, location = 'westeurope', id = SPOKE_ID) => ({ id, location, tags });

describe('selectSpoke', () => {
  it.each<[string, SelectionConfig, ReturnType<typeof vnet>, SpokeSelection]>([
    ['the hub itself (even in an unwatched subscription)', config(), vnet({}, 'westeurope', HUB_WEU.vnetId),
      { kind: 'unmanaged', reason: 'IsHub', message: `${HUB_WEU.vnetId} is the configured hub "westeurope": a hub is never a spoke` }],
    ['the hub, its ID in another casing', config(), vnet({}, 'northeurope', HUB_CORE.vnetId.toLowerCase()),
      { kind: 'unmanaged', reason: 'IsHub', message: `${HUB_CORE.vnetId.toLowerCase()} is the configured hub "Core-NEU": a hub is never a spoke` }],
    ['a VNet in an unwatched subscription', config(), vnet({}, 'westeurope', vnetId(OTHER, 'rg', 'v')),
      { kind: 'unmanaged', reason: 'NotWatched', message: `subscription ${OTHER} is not watched (watched: ${WL})` }],
    ['a VNet whose subscription ID is upper case', config(), vnet({}, 'westeurope', vnetId(WL.toUpperCase(), 'rg', 'v')),
      { kind: 'spoke', hub: HUB_WEU, via: 'region' }],
  ])('%s', (_label, cfg, input, expected) => {
    expect(selectSpoke(cfg, input)).toEqual(expected);
  });

  describe('opt-out selection', () => {
    const optedOut: SpokeSelection = {
      kind: 'unmanaged', reason: 'OptedOut', message: 'the VNet carries the opt-out tag "hubspoke-opt-out"; existing peerings are left as they are',
    };
    it.each<[string, Record<string, string>, SpokeSelection]>([
      ['no tags', {}, { kind: 'spoke', hub: HUB_WEU, via: 'region' }],
      ['opt-out tag "true"', { 'hubspoke-opt-out': 'true' }, optedOut],
      ['opt-out tag with an empty value', { 'hubspoke-opt-out': '' }, optedOut],
      ['opt-out tag with any value', { 'hubspoke-opt-out': 'ticket-42' }, optedOut],
      ['opt-out tag name in another case', { 'HubSpoke-Opt-Out': 'yes' }, optedOut],
      ['opt-out tag "false"', { 'hubspoke-opt-out': 'false' }, { kind: 'spoke', hub: HUB_WEU, via: 'region' }],
      ['opt-out tag " FALSE "', { 'hubspoke-opt-out': ' FALSE ' }, { kind: 'spoke', hub: HUB_WEU, via: 'region' }],
      ['opt-out tag "no"', { 'hubspoke-opt-out': 'no' }, { kind: 'spoke', hub: HUB_WEU, via: 'region' }],
      ['opt-out tag "0"', { 'hubspoke-opt-out': '0' }, { kind: 'spoke', hub: HUB_WEU, via: 'region' }],
      ['opt-out tag "Off"', { 'hubspoke-opt-out': 'Off' }, { kind: 'spoke', hub: HUB_WEU, via: 'region' }],
      ['only the opt-in tag (ignored in opt-out mode)', { 'hubspoke-opt-in': 'true' }, { kind: 'spoke', hub: HUB_WEU, via: 'region' }],
    ])('%s', (_label, tags, expected) => {
      expect(selectSpoke(config(), vnet(tags))).toEqual(expected);
    });

    it('uses the configured opt-out tag name in the message', () => {
      expect(selectSpoke(config({ optOutTag: 'NoHub' }), vnet({ nohub: '1' }))).toEqual({
        kind: 'unmanaged', reason: 'OptedOut', message: 'the VNet carries the opt-out tag "NoHub"; existing peerings are left as they are',
      });
    });
  });

  describe('opt-in selection', () => {
    const notOptedIn: SpokeSelection = { kind: 'unmanaged', reason: 'NotOptedIn', message: 'selection is opt-in and the VNet has no "hubspoke-opt-in" tag' };
    it.each<[string, Record<string, string>, SpokeSelection]>([
      ['no tags', {}, notOptedIn],
      ['opt-in tag "false"', { 'hubspoke-opt-in': 'false' }, notOptedIn],
      ['opt-in tag "no"', { 'hubspoke-opt-in': 'no' }, notOptedIn],
      ['opt-in tag "0"', { 'hubspoke-opt-in': '0' }, notOptedIn],
      ['opt-in tag "off"', { 'hubspoke-opt-in': 'off' }, notOptedIn],
      ['opt-in tag "true"', { 'hubspoke-opt-in': 'true' }, { kind: 'spoke', hub: HUB_WEU, via: 'region' }],
      ['opt-in tag with an empty value', { 'hubspoke-opt-in': '' }, { kind: 'spoke', hub: HUB_WEU, via: 'region' }],
      ['opt-in tag name in another case', { 'HUBSPOKE-OPT-IN': 'yes' }, { kind: 'spoke', hub: HUB_WEU, via: 'region' }],
      ['opt-in and opt-out tags (opt-out is ignored in opt-in mode)', { 'hubspoke-opt-in': 'true', 'hubspoke-opt-out': 'true' }, { kind: 'spoke', hub: HUB_WEU, via: 'region' }],
      ['opt-in and hub tags', { 'hubspoke-opt-in': 'true', 'hubspoke-hub': 'core-neu' }, { kind: 'spoke', hub: HUB_CORE, via: 'tag' }],
    ])('%s', (_label, tags, expected) => {
      expect(selectSpoke(config({ selection: 'opt-in' }), vnet(tags))).toEqual(expected);
    });
  });

  describe('choice of hub', () => {
    it.each<[string, Record<string, string>, string, SpokeSelection]>([
      ['region as ARM spells it', {}, 'westeurope', { kind: 'spoke', hub: HUB_WEU, via: 'region' }],
      ['region as displayed ("West Europe")', {}, 'West Europe', { kind: 'spoke', hub: HUB_WEU, via: 'region' }],
      ['region in odd casing and spacing', {}, ' NORTH  europe', { kind: 'spoke', hub: HUB_CORE, via: 'region' }],
      ['hub tag naming another hub', { 'hubspoke-hub': 'Core-NEU' }, 'westeurope', { kind: 'spoke', hub: HUB_CORE, via: 'tag' }],
      ['hub tag in another case, value in another case and padded', { 'HubSpoke-Hub': ' core-neu ' }, 'westeurope', { kind: 'spoke', hub: HUB_CORE, via: 'tag' }],
      ['hub tag naming a hub by its defaulted (region) name', { 'hubspoke-hub': 'WestEurope' }, 'northeurope', { kind: 'spoke', hub: HUB_WEU, via: 'tag' }],
      ['hub tag naming a hub, in a region without hub', { 'hubspoke-hub': 'westeurope' }, 'eastus', { kind: 'spoke', hub: HUB_WEU, via: 'tag' }],
      ['empty hub tag (falls back to the region)', { 'hubspoke-hub': '  ' }, 'northeurope', { kind: 'spoke', hub: HUB_CORE, via: 'region' }],
      ['hub tag naming an unknown hub', { 'hubspoke-hub': 'hub-x' }, 'westeurope',
        { kind: 'invalid', reason: 'UnknownHub', message: 'tag "hubspoke-hub" names hub "hub-x", which is not configured (hubs: westeurope, Core-NEU)' }],
      ['a region without hub', {}, 'East US',
        { kind: 'invalid', reason: 'NoHubInRegion', message: 'no hub is configured for region eastus (hubs are in: westeurope, northeurope); tag the VNet with "hubspoke-hub" to pick one' }],
    ])('%s', (_label, tags, location, expected) => {
      expect(selectSpoke(config(), vnet(tags, location))).toEqual(expected);
    });

    it('reads the configured hub tag name', () => {
      expect(selectSpoke(config({ hubTag: 'Hub' }), vnet({ hub: 'core-neu' }))).toEqual({ kind: 'spoke', hub: HUB_CORE, via: 'tag' });
      expect(selectSpoke(config({ hubTag: 'Hub' }), vnet({ hub: 'x' }))).toEqual({
        kind: 'invalid', reason: 'UnknownHub', message: 'tag "Hub" names hub "x", which is not configured (hubs: westeurope, Core-NEU)',
      });
    });

    it('lets the opt-out tag win over a hub tag', () => {
      expect(selectSpoke(config(), vnet({ 'hubspoke-opt-out': 'true', 'hubspoke-hub': 'nowhere' }))).toMatchObject({ kind: 'unmanaged', reason: 'OptedOut' });
    });
  });
});

describe('tagValue', () => {
  it.each<[string, Record<string, string> | undefined, string, string | undefined]>([
    ['no tags at all', undefined, 'env', undefined],
    ['an empty tag set', {}, 'env', undefined],
    ['an exact name', { env: 'prod' }, 'env', 'prod'],
    ['a name in another case', { Env: 'prod' }, 'ENV', 'prod'],
    ['an empty value', { env: '' }, 'env', ''],
    ['an absent name', { env: 'prod' }, 'owner', undefined],
    ['a name that only starts the same', { environment: 'prod' }, 'env', undefined],
    ['the value as is (not trimmed or lower-cased)', { env: ' Prod ' }, 'env', ' Prod '],
  ])('%s', (_label, tags, name, expected) => {
    expect(tagValue(tags, name)).toBe(expected);
  });
});
