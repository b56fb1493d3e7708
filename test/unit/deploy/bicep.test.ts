import { blankStringsAndComments, objectVariableKeys, resourceBlocks } from './bicep';

describe('the consistency test\'s Bicep reader', () => {
  const text = [
    "var settings = {",
    "  PLAIN: 'x'",
    "  'QUOTED_KEY': '${a ? '}' : '{'}'",
    "  NESTED: {",
    "    INNER: 1 // a comment with } and {",
    "  }",
    "  LIST: [",
    "    'NOT_A_KEY: no'",
    "  ]",
    "  EXPR: cond ? 'a' : 'b'",
    "}",
    "resource one 'Microsoft.Authorization/roleAssignments@2022-04-01' = {",
    "  name: guid('}')",
    "  scope: storage",
    "}",
    "resource two 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(x)) {",
    "  properties: {}",
    "}",
    "resource loop 'Microsoft.Authorization/roleAssignments@2022-04-01' = [",
    "  for r in roles: { name: r }",
    "]",
  ].join('\n');

  it.each([
    ["'a}b' x", `${' '.repeat(6)}x`],
    ["'it\\'s {' y", `${' '.repeat(10)}y`],
    ["'${f('}')}' z", `${' '.repeat(12)}z`],
    ['a // } {\nb', 'a       \nb'],
  ])('blanks strings and comments in %j', (input, expected) => {
    expect(blankStringsAndComments(input)).toBe(expected);
  });

  it('reads the keys of an object variable at its first level only, quoted keys unquoted', () => {
    expect(objectVariableKeys(text, 'settings')).toEqual(['PLAIN', 'QUOTED_KEY', 'NESTED', 'LIST', 'EXPR']);
  });

  it('says so when the variable is missing or has no keys', () => {
    expect(() => objectVariableKeys(text, 'missing')).toThrow('no "var missing = {"');
    expect(() => objectVariableKeys('var empty = {\n}\n', 'empty')).toThrow('has no keys');
  });

  it('finds every block of a resource type: plain, conditional and loops', () => {
    const blocks = resourceBlocks(text, 'Microsoft.Authorization/roleAssignments');
    expect(blocks.map((b) => b.split('\n')[0]?.split(' ')[1])).toEqual(['one', 'two', 'loop']);
    expect(blocks[0]).toContain('scope: storage');
    expect(blocks[2]?.endsWith(']')).toBe(true);
  });
});
