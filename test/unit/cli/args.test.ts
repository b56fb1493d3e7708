import {
  COMMANDS,
  helpText,
  parseCommandLine,
  parseResourceRef,
  prefixesOption,
  subnetsOption,
  tagsOption,
  UsageError,
  VNET_TYPE,
  waitOption,
  type ParsedCommandLine,
} from '../../../local/cli/args';

const SUB = 'a0000000-0000-4000-8000-0000000000a1';

function run(argv: string[]): Extract<ParsedCommandLine, { kind: 'run' }> {
  const parsed = parseCommandLine(argv);
  if (parsed.kind !== 'run') throw new Error(`expected a command, got ${parsed.kind}`);
  return parsed;
}

function usageError(work: () => unknown): string {
  try {
    work();
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error('expected a UsageError');
}

describe('parseCommandLine', () => {
  it('finds two-word and one-word commands, their argument, repeatable options and global options', () => {
    const create = run(['vnet', 'create', `${SUB}/rg/my-spoke`, '--address-prefix', '10.0.0.0/24', '--address-prefix', '10.1.0.0/24', '--location', 'westeurope', '--json', '--url', 'http://127.0.0.1:9']);
    expect(create.command.id).toBe('vnet create');
    expect(create.args).toEqual([`${SUB}/rg/my-spoke`]);
    expect(create.values).toEqual({ 'address-prefix': ['10.0.0.0/24', '10.1.0.0/24'], location: 'westeurope' });
    expect(create.global).toEqual({ json: true, url: 'http://127.0.0.1:9' });

    const peerings = run(['peerings', `${SUB}/rg/v`]);
    expect(peerings.command.id).toBe('peerings');
    expect(peerings.args).toEqual([`${SUB}/rg/v`]);
    expect(run(['reconcile', 'spokes', '--wait']).values).toEqual({ wait: true });
  });

  it.each([
    [[], undefined, undefined],
    [['--help'], undefined, undefined],
    [['vnet'], undefined, 'vnet'],
    [['vnet', '--help'], undefined, 'vnet'],
    [['vnet', 'create', '--help'], 'vnet create', undefined],
    [['token', '-h'], 'token', undefined],
  ])('asks for help on %j', (argv, command, group) => {
    const parsed = parseCommandLine(argv);
    expect(parsed.kind).toBe('help');
    if (parsed.kind !== 'help') return;
    expect(parsed.command?.id).toBe(command);
    expect(parsed.group).toBe(group);
  });

  it.each([
    [['frob'], 'unknown command "frob".'],
    [['vnet', 'frob'], 'unknown command "vnet frob".'],
    [['vnet', 'create'], '"vnet create" takes <vnet>; got none.'],
    [['spokes', 'extra'], '"spokes" takes no arguments; got "extra".'],
    [['vnet', 'create', 'x', '--colour', 'red'], "Unknown option '--colour'"],
    [['vnet', 'create', 'x', '--location'], "Option '--location <value>' argument missing"],
  ])('rejects %j naming the problem', (argv, message) => {
    expect(usageError(() => parseCommandLine(argv))).toContain(message);
  });

  it('has a handler-worthy help line for every command', () => {
    const text = helpText();
    for (const command of COMMANDS) expect(text).toContain(`  ${command.id}`);
    expect(helpText({ command: COMMANDS.find((c) => c.id === 'endpoint create') })).toContain('--group-id <groupId>');
  });
});

describe('values', () => {
  it.each([
    [`${SUB}/rg-payments-weu/my-spoke`, { subscriptionId: SUB, resourceGroup: 'rg-payments-weu', name: 'my-spoke' }],
    [`${SUB.toUpperCase()}/rg/v`, { subscriptionId: SUB, resourceGroup: 'rg', name: 'v' }],
    [`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v`, { subscriptionId: SUB, resourceGroup: 'rg', name: 'v' }],
  ])('reads the resource %s', (text, ref) => {
    expect(parseResourceRef(text, VNET_TYPE, 'VNet')).toEqual(ref);
  });

  it.each([
    ['my-spoke', 'must be <subscriptionId>/<resourceGroup>/<name> or an ARM resource ID'],
    ['sub/rg/v', '"sub" is not a subscription GUID'],
    [`${SUB}/rg/bad name`, '"bad name" is not a valid resource name'],
    [`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe`, 'is not a Microsoft.Network/virtualNetworks resource ID'],
    ['/subscriptions/x', 'is not a subscription GUID'],
  ])('rejects the resource %s', (text, message) => {
    expect(usageError(() => parseResourceRef(text, VNET_TYPE, 'VNet'))).toContain(message);
  });

  it('checks address prefixes, subnets and tags, and bounds every list', () => {
    expect(prefixesOption({ 'address-prefix': ['10.0.0.0/24', 'fd00:1::/64'] })).toEqual(['10.0.0.0/24', 'fd00:1::/64']);
    expect(usageError(() => prefixesOption({ 'address-prefix': ['10.0.0.1/24'] }))).toContain('host bits set beyond /24');
    expect(usageError(() => prefixesOption({ 'address-prefix': ['ten'] }))).toContain('"ten" is not a valid address prefix');
    expect(usageError(() => prefixesOption({ 'address-prefix': Array.from({ length: 51 }, (_, i) => `10.${i}.0.0/24`) }))).toBe('--address-prefix is given 51 times; at most 50.');

    expect(subnetsOption({ subnet: ['snet-pe=10.0.0.128/26'] })).toEqual([{ name: 'snet-pe', addressPrefix: '10.0.0.128/26' }]);
    expect(usageError(() => subnetsOption({ subnet: ['snet-pe'] }))).toBe('--subnet "snet-pe" must be <name>=<value>.');
    expect(usageError(() => subnetsOption({ subnet: ['a=10.0.0.0/26', 'A=10.0.0.64/26'] }))).toBe('--subnet names "A" twice.');
    expect(usageError(() => subnetsOption({ subnet: ['a=10.0.0.1/26'] }))).toContain('host bits');

    expect(tagsOption({ tag: ['hubspoke-opt-out=true', 'empty='] })).toEqual([['hubspoke-opt-out', 'true'], ['empty', '']]);
    expect(usageError(() => tagsOption({ tag: ['a/b=1'] }))).toContain('a tag name cannot contain');
  });

  it('reads --wait and --timeout together only', () => {
    expect(waitOption({})).toBeUndefined();
    expect(waitOption({ wait: 'Converged' })).toEqual({ reason: 'Converged', timeoutSeconds: 60 });
    expect(waitOption({ wait: 'Registered', timeout: '5' })).toEqual({ reason: 'Registered', timeoutSeconds: 5 });
    expect(usageError(() => waitOption({ timeout: '5' }))).toBe('--timeout only applies with --wait.');
    expect(usageError(() => waitOption({ wait: 'Converged', timeout: '0' }))).toBe('--timeout "0" must be a whole number of seconds from 1 to 3600.');
    expect(usageError(() => waitOption({ wait: 'Converged', timeout: '1.5' }))).toContain('whole number');
    expect(usageError(() => waitOption({ wait: 'not a reason' }))).toContain('is not a condition reason');
  });
});
