import { matchesFilter, type EventSubscriptionFilter } from '../../../local/eventgrid/filters';

const vnetSubject =
  '/subscriptions/00000000-0000-0000-0000-00000000a001/resourcegroups/rg-spoke1/providers/Microsoft.Network/virtualNetworks/vnet-spoke1';
const event = {
  type: 'Microsoft.Resources.ResourceWriteSuccess',
  subject: vnetSubject,
  wire: { subject: vnetSubject, data: { operationName: 'Microsoft.Network/virtualNetworks/write', status: 'Succeeded' } },
};

describe('matchesFilter', () => {
  it.each<[string, EventSubscriptionFilter | undefined, boolean]>([
    ['no filter', undefined, true],
    ['empty filter', {}, true],
    ['included type', { includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess'] }, true],
    ['included type, other case', { includedEventTypes: ['microsoft.resources.resourcewritesuccess'] }, true],
    ['type not included', { includedEventTypes: ['Microsoft.Resources.ResourceDeleteSuccess'] }, false],
    ['subject prefix, case-insensitive by default', { subjectBeginsWith: '/SUBSCRIPTIONS/00000000-0000-0000-0000-00000000A001/' }, true],
    [
      'subject prefix, case-sensitive mismatch',
      { subjectBeginsWith: '/subscriptions/00000000-0000-0000-0000-00000000a001/resourceGroups/', isSubjectCaseSensitive: true },
      false,
    ],
    ['subject suffix', { subjectEndsWith: '/VIRTUALNETWORKS/VNET-SPOKE1' }, true],
    ['subject suffix mismatch', { subjectEndsWith: '/privateEndpoints/pe1' }, false],
    [
      'StringIn on data.operationName',
      {
        advancedFilters: [
          {
            operatorType: 'StringIn',
            key: 'data.operationName',
            values: ['Microsoft.Network/privateEndpoints/write', 'microsoft.network/virtualnetworks/write'],
          },
        ],
      },
      true,
    ],
    [
      'StringIn miss',
      { advancedFilters: [{ operatorType: 'StringIn', key: 'data.operationName', values: ['Microsoft.Network/privateEndpoints/write'] }] },
      false,
    ],
    [
      'StringBeginsWith on data.operationName',
      { advancedFilters: [{ operatorType: 'StringBeginsWith', key: 'data.operationName', values: ['Microsoft.Network/virtualNetworks/'] }] },
      true,
    ],
    [
      'StringBeginsWith excludes the peering child',
      {
        advancedFilters: [
          {
            operatorType: 'StringBeginsWith',
            key: 'data.operationName',
            values: ['Microsoft.Network/virtualNetworks/virtualNetworkPeerings/'],
          },
        ],
      },
      false,
    ],
    ['missing key fails a positive operator', { advancedFilters: [{ operatorType: 'StringIn', key: 'data.nope', values: ['x'] }] }, false],
    ['missing key passes a negated operator', { advancedFilters: [{ operatorType: 'StringNotIn', key: 'data.nope', values: ['x'] }] }, true],
    [
      'all conditions are ANDed',
      {
        includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess'],
        advancedFilters: [
          { operatorType: 'StringBeginsWith', key: 'data.operationName', values: ['Microsoft.Network/'] },
          { operatorType: 'StringIn', key: 'data.status', values: ['Failed'] },
        ],
      },
      false,
    ],
  ])('%s', (_name, filter, expected) => {
    expect(matchesFilter(filter, event)).toBe(expected);
  });
});
