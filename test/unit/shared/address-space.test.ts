import { overlappingPrefixes, parsePrefix } from '../../../shared/peering/address-space';

describe('overlappingPrefixes', () => {
  it.each([
    [['10.0.0.0/16'], ['10.1.0.0/16'], []],
    [['10.0.0.0/16'], ['10.0.128.0/17'], [{ a: '10.0.0.0/16', b: '10.0.128.0/17' }]],
    [['10.0.0.0/8'], ['192.168.0.0/16', '10.200.0.0/24'], [{ a: '10.0.0.0/8', b: '10.200.0.0/24' }]],
    [['10.0.0.0/24'], ['10.0.1.0/24'], []],
    [['10.0.0.0/23'], ['10.0.1.0/24'], [{ a: '10.0.0.0/23', b: '10.0.1.0/24' }]],
    [['fd00:1::/48'], ['fd00:1:0:5::/64'], [{ a: 'fd00:1::/48', b: 'fd00:1:0:5::/64' }]],
    [['fd00:1::/48'], ['fd00:2::/48'], []],
    [['10.0.0.0/16', 'fd00::/8'], ['fd12::/16', '172.16.0.0/12'], [{ a: 'fd00::/8', b: 'fd12::/16' }]],
    [['0.0.0.0/0'], ['::/0'], []],
    [[], ['10.0.0.0/8'], []],
  ])('%j vs %j', (left, right, expected) => {
    expect(overlappingPrefixes(left, right)).toEqual(expected);
  });
});

describe('parsePrefix', () => {
  it.each([
    ['10.0.0.1/16', 'the address has host bits set beyond /16'],
    ['10.0.0.0', 'expected an address and a length, e.g. 10.1.0.0/16 or fd00:1::/64'],
    ['10.0.0.0/33', 'expected an address and a length, e.g. 10.1.0.0/16 or fd00:1::/64'],
    ['fd00::1/64', 'the address has host bits set beyond /64'],
    ['banana', 'expected an address and a length, e.g. 10.1.0.0/16 or fd00:1::/64'],
  ])('rejects %s', (text, reason) => {
    expect(() => parsePrefix(text)).toThrow(`"${text}" is not a valid address prefix: ${reason}.`);
  });

  it('gives the range of a prefix', () => {
    expect(parsePrefix('10.0.0.0/30')).toEqual({ text: '10.0.0.0/30', family: 'ipv4', first: 0x0a000000n, last: 0x0a000003n });
  });
});
