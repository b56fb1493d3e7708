import { checkFqdn, covers, destinationsFromTag, parsePort, validateDestinations, type Destination } from '../../../shared/egress/destinations';

const TAGS = ['WindowsUpdate', 'AzureKubernetesService', 'AzureBackup'];

type Accepted = [input: string, fqdn: string, wildcard: boolean, sharedSuffix?: string];
type Refused = [input: string, reason: RegExp];

const accepted: Accepted[] = [
  ['api.github.com', 'api.github.com', false],
  ['API.GitHub.com', 'api.github.com', false],
  ['  api.github.com  ', 'api.github.com', false],
  ['api.github.com.', 'api.github.com', false],
  ['github.com', 'github.com', false],
  ['a.b.c.d.contoso.org', 'a.b.c.d.contoso.org', false],
  ['1password.com', '1password.com', false],
  ['x1.contoso.com', 'x1.contoso.com', false],
  ['my-host.contoso.com', 'my-host.contoso.com', false],
  ['a-b-c.co.uk', 'a-b-c.co.uk', false],
  ['bbc.co.uk', 'bbc.co.uk', false],
  ['www.gov.uk', 'www.gov.uk', false],
  ['contoso.com.au', 'contoso.com.au', false],
  ['*.contoso.com', '*.contoso.com', true],
  ['*.CONTOSO.com', '*.contoso.com', true],
  ['*.api.contoso.com', '*.api.contoso.com', true],
  ['*.contoso.co.uk', '*.contoso.co.uk', true],
  // IDN: UTS-46 to A-labels.
  ['münchen.de', 'xn--mnchen-3ya.de', false],
  ['MÜNCHEN.DE', 'xn--mnchen-3ya.de', false],
  ['bücher.example.de', 'xn--bcher-kva.example.de', false],
  ['faß.de', 'xn--fa-hia.de', false],
  ['xn--mnchen-3ya.de', 'xn--mnchen-3ya.de', false],
  ['*.münchen.de', '*.xn--mnchen-3ya.de', true],
  ['пример.рф', 'xn--e1afmkfd.xn--p1ai', false],
  ['例え.jp', 'xn--r8jz45g.jp', false],
  ['ｃｏｎｔｏｓｏ.org', 'contoso.org', false],
  ['straße.de', 'xn--strae-oqa.de', false],
  ['café.fr', 'xn--caf-dma.fr', false],
  ['a'.repeat(63) + '.com', 'a'.repeat(63) + '.com', false],
  // PSL private section: plain names under it are fine (one tenant); wildcards directly over it need two approvers.
  ['myaccount.blob.core.windows.net', 'myaccount.blob.core.windows.net', false],
  ['myapp.azurewebsites.net', 'myapp.azurewebsites.net', false],
  ['*.myaccount.blob.core.windows.net', '*.myaccount.blob.core.windows.net', true],
  ['*.blob.core.windows.net', '*.blob.core.windows.net', true, 'blob.core.windows.net'],
  ['*.azurewebsites.net', '*.azurewebsites.net', true, 'azurewebsites.net'],
  ['*.githubusercontent.com', '*.githubusercontent.com', true, 'githubusercontent.com'],
  ['*.s3.amazonaws.com', '*.s3.amazonaws.com', true, 's3.amazonaws.com'],
  ['raw.githubusercontent.com', 'raw.githubusercontent.com', false],
  ['blob.core.windows.net', 'blob.core.windows.net', false],
];

const refused: Refused[] = [
  ['', /is empty/],
  ['   ', /is empty/],
  ['https://api.github.com', /not a URL/],
  ['api.github.com/path', /not a URL/],
  ['user@api.github.com', /not a URL/],
  ['api.github.com?x=1', /not a URL/],
  ['api.github.com:443', /must not carry a port/],
  ['10.0.0.1', /IP address/],
  ['192.168.1.10', /IP address/],
  ['8.8.8.8', /IP address/],
  ['::1', /IP address/],
  ['[2001:db8::1]', /IP address/],
  ['2001:db8::1', /IP address/],
  ['*', /at least two labels|only as the whole leftmost/],
  ['*.', /only as the whole leftmost label/],
  ['*.*.contoso.com', /only as the whole leftmost label/],
  ['api*.contoso.com', /only as the whole leftmost label/],
  ['*api.contoso.com', /only as the whole leftmost label/],
  ['api.*.contoso.com', /only as the whole leftmost label/],
  ['contoso.*', /only as the whole leftmost label/],
  ['localhost', /at least two labels/],
  ['intranet', /at least two labels/],
  ['foo.localhost', /special-use/],
  ['printer.local', /special-use/],
  ['app.test', /special-use/],
  ['bad.invalid', /special-use/],
  ['site.example', /special-use/],
  ['nas.home.arpa', /special-use/],
  ['example.com', /special-use/],
  ['*.local', /special-use|public suffix/],
  ['*.com', /wildcard over the public suffix "com"/],
  ['*.co.uk', /wildcard over the public suffix "co.uk"/],
  ['*.org', /wildcard over the public suffix "org"/],
  ['*.com.au', /wildcard over the public suffix "com.au"/],
  ['*.de', /wildcard over the public suffix "de"/],
  ['com', /at least two labels/],
  ['co.uk', /is the public suffix "co.uk"/],
  ['host.notatld', /not a known top-level domain/],
  ['server.corp', /not a known top-level domain/],
  ['a.123', /all-numeric top-level domain/],
  ['-bad.com', /not starting or ending with a hyphen/],
  ['bad-.com', /not starting or ending with a hyphen/],
  ['under_score.contoso.com', /only letters, digits and hyphens|valid domain/],
  ['a..b.com', /empty label|valid domain/],
  ['.contoso.com', /empty label|valid domain/],
  ['ex ample.com', /valid domain/],
  ['ab--cd.com', /reserved for xn-- A-labels/],
  ['xn--zz.com', /valid domain|only letters|reserved/],
  ['a'.repeat(64) + '.com', /label of 64 characters/],
  [`${'abcdefghi.'.repeat(25)}example.org`, /characters long; at most 253/],
];

describe('checkFqdn', () => {
  // Four values per row always (jest passes a done callback in place of a missing one).
  it.each(accepted.map(([input, fqdn, wildcard, shared]) => [input, fqdn, wildcard, shared ?? ''] as const))('accepts %j as %s', (input, fqdn, wildcard, sharedSuffix) => {
    const result = checkFqdn(input);
    expect(result).toEqual({ ok: true, fqdn, wildcard, ...(sharedSuffix ? { sharedSuffix } : {}) });
  });

  it.each(refused)('refuses %j', (input, reason) => {
    const result = checkFqdn(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('has at least 80 cases', () => {
    expect(accepted.length + refused.length).toBeGreaterThanOrEqual(80);
  });
});

describe('parsePort', () => {
  it.each([
    ['Https:443', { protocol: 'Https', port: 443 }],
    ['https:8443', { protocol: 'Https', port: 8443 }],
    ['HTTP:80', { protocol: 'Http', port: 80 }],
    ['Mssql:1433', { protocol: 'Mssql', port: 1433 }],
    ['Https:1', { protocol: 'Https', port: 1 }],
    ['Https:65535', { protocol: 'Https', port: 65535 }],
  ])('parses %s', (text, value) => {
    expect(parsePort(text)).toEqual({ ok: true, value });
  });
  it.each([['Https:0'], ['Https:65536'], ['Ftp:21'], ['443'], ['Https'], ['Https:-1'], ['Https:4a3']])('refuses %s', (text) => {
    expect(parsePort(text).ok).toBe(false);
  });
});

describe('validateDestinations', () => {
  it('normalizes, collapses duplicates (merging ports) and notes that a wildcard does not cover its apex', () => {
    const result = validateDestinations(
      [
        { fqdn: 'API.github.com', ports: ['Https:443'] },
        { fqdn: 'api.github.com', ports: ['Http:80', 'https:443'] },
        { fqdn: '*.contoso.com' },
        { fqdnTag: 'windowsupdate' },
        { fqdnTag: 'WindowsUpdate', ports: ['Https:443'] },
      ],
      TAGS,
    );
    expect(result.problems).toEqual([]);
    expect(result.destinations).toEqual([
      { kind: 'fqdn', fqdn: 'api.github.com', wildcard: false, ports: [{ protocol: 'Http', port: 80 }, { protocol: 'Https', port: 443 }] },
      { kind: 'fqdn', fqdn: '*.contoso.com', wildcard: true, ports: [{ protocol: 'Https', port: 443 }] },
      { kind: 'fqdnTag', tag: 'WindowsUpdate', ports: [{ protocol: 'Https', port: 443 }] },
    ]);
    expect(result.notes).toEqual([expect.stringMatching(/\*\.contoso\.com allows names below contoso\.com but not contoso\.com itself/)]);
    expect(result.approvalsRequired).toBe(1);
  });

  it('names each bad destination with its index and reason, and keeps the good ones', () => {
    const result = validateDestinations(
      [{ fqdn: 'ok.contoso.com' }, { fqdn: '*.com' }, { fqdnTag: 'NoSuchTag' }, { fqdnTag: 'AzureBackup', ports: ['Http:80'] }, { fqdn: 'a.com', fqdnTag: 'AzureBackup' }, 'x', { fqdn: 'b.com', port: 1 }, { fqdn: 'c.com', ports: ['Ftp:21'] }, { fqdn: 'd.com', ports: [] }],
      TAGS,
    );
    expect(result.problems.map((p) => [p.index, p.destination])).toEqual([
      [1, '*.com'],
      [2, 'NoSuchTag'],
      [3, 'AzureBackup'],
      [4, 'a.com'],
      [5, '"x"'],
      [6, 'b.com'],
      [7, 'c.com'],
      [8, 'd.com'],
    ]);
    expect(result.problems[0]?.reason).toMatch(/wildcard over the public suffix "com"/);
    expect(result.problems[1]?.reason).toMatch(/not an FQDN tag of the firewall \(known: WindowsUpdate, AzureKubernetesService, AzureBackup\)/);
    expect(result.problems[2]?.reason).toMatch(/https only/);
    expect(result.problems[3]?.reason).toMatch(/exactly one of "fqdn" and "fqdnTag"/);
    expect(result.problems[5]?.reason).toMatch(/unknown field\(s\) "port"/);
    expect(result.destinations.map((d) => (d.kind === 'fqdn' ? d.fqdn : d.tag))).toEqual(['ok.contoso.com']);
  });

  it('needs two approvers for a wildcard over a shared multi-tenant suffix', () => {
    const result = validateDestinations([{ fqdn: '*.blob.core.windows.net' }], TAGS);
    expect(result.approvalsRequired).toBe(2);
    expect(result.notes.join(' ')).toMatch(/every tenant of the shared suffix blob\.core\.windows\.net: two distinct approvers/);
  });

  it('bounds the list: empty, not an array, more than 50, more than 10 ports', () => {
    expect(validateDestinations([], TAGS).problems[0]?.reason).toMatch(/non-empty array/);
    expect(validateDestinations({ fqdn: 'a.com' }, TAGS).problems[0]?.reason).toMatch(/non-empty array/);
    const many = Array.from({ length: 51 }, (_, i) => ({ fqdn: `h${i}.contoso.com` }));
    expect(validateDestinations(many, TAGS).problems[0]?.reason).toMatch(/51 items; at most 50/);
    expect(validateDestinations(many.slice(0, 50), TAGS).problems).toEqual([]);
    const ports = Array.from({ length: 11 }, (_, i) => `Https:${8000 + i}`);
    expect(validateDestinations([{ fqdn: 'a.contoso.com', ports }], TAGS).problems[0]?.reason).toMatch(/11 items; at most 10/);
  });
});

describe('destinationsFromTag', () => {
  it('reads fqdn[:port] and tag names, port 80 as Http and 1433 as Mssql', () => {
    expect(destinationsFromTag('api.github.com, *.contoso.com:443,windowsupdate,,db.contoso.com:1433,web.contoso.com:80,x.contoso.com:8443', TAGS)).toEqual([
      { fqdn: 'api.github.com' },
      { fqdn: '*.contoso.com', ports: ['Https:443'] },
      { fqdnTag: 'windowsupdate' },
      { fqdn: 'db.contoso.com', ports: ['Mssql:1433'] },
      { fqdn: 'web.contoso.com', ports: ['Http:80'] },
      { fqdn: 'x.contoso.com', ports: ['Https:8443'] },
    ]);
  });
  it('feeds validateDestinations', () => {
    const result = validateDestinations(destinationsFromTag('api.github.com,*.com,WindowsUpdate', TAGS), TAGS);
    expect(result.problems.map((p) => p.destination)).toEqual(['*.com']);
    expect(result.destinations).toHaveLength(2);
  });
});

describe('covers', () => {
  const https = [{ protocol: 'Https' as const, port: 443 }];
  const allowed: Destination[] = [
    { kind: 'fqdn', fqdn: '*.contoso.com', wildcard: true, ports: https },
    { kind: 'fqdn', fqdn: 'api.github.com', wildcard: false, ports: https },
    { kind: 'fqdnTag', tag: 'WindowsUpdate', ports: https },
  ];
  it.each<[Destination, boolean]>([
    [{ kind: 'fqdn', fqdn: 'a.contoso.com', wildcard: false, ports: https }, true],
    [{ kind: 'fqdn', fqdn: '*.a.contoso.com', wildcard: true, ports: https }, true],
    [{ kind: 'fqdn', fqdn: 'contoso.com', wildcard: false, ports: https }, false],
    [{ kind: 'fqdn', fqdn: 'api.github.com', wildcard: false, ports: https }, true],
    [{ kind: 'fqdn', fqdn: 'api.github.com', wildcard: false, ports: [{ protocol: 'Http', port: 80 }] }, false],
    [{ kind: 'fqdn', fqdn: 'github.com', wildcard: false, ports: https }, false],
    [{ kind: 'fqdnTag', tag: 'WindowsUpdate', ports: https }, true],
    [{ kind: 'fqdnTag', tag: 'AzureBackup', ports: https }, false],
  ])('%j -> %s', (wanted, expected) => {
    expect(covers(allowed, wanted)).toBe(expected);
  });
});
