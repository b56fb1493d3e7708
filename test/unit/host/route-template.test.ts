import { compareRoutePrecedence, compileRouteTemplate } from '../../../local/host/route-template';

describe('compileRouteTemplate', () => {
  it.each([
    // template, path, expected params (null = no match)
    ['spokes/{subscription}/{resourceGroup}/{vnet}', 'spokes/s1/rg/v1', { subscription: 's1', resourceGroup: 'rg', vnet: 'v1' }],
    ['spokes/{subscription}/{resourceGroup}/{vnet}', 'SPOKES/s1/rg/v1/', { subscription: 's1', resourceGroup: 'rg', vnet: 'v1' }],
    ['spokes/{subscription}/{resourceGroup}/{vnet}', 'spokes/s1/rg', null],
    ['spokes/{subscription}/{resourceGroup}/{vnet}', 'spokes/s1/rg/v1/extra', null],
    ['spokes/{name}', 'spokes/a%20b%2Fc', { name: 'a b/c' }],
    ['products/{category:alpha}/{id:int?}', 'products/books', { category: 'books' }],
    ['products/{category:alpha}/{id:int?}', 'products/books/7', { category: 'books', id: '7' }],
    ['products/{category:alpha}/{id:int?}', 'products/books/x7', null],
    ['products/{category:alpha}/{id:int?}', 'products/b00ks/7', null],
    ['items/{id:int}', 'items/-12', { id: '-12' }],
    ['items/{id:int}', 'items/2147483648', null],
    ['items/{id:long}', 'items/2147483648', { id: '2147483648' }],
    ['items/{id:int:min(1)}', 'items/0', null],
    ['items/{id:int:range(1,10)}', 'items/10', { id: '10' }],
    ['items/{id:int:range(1,10)}', 'items/11', null],
    ['items/{id:max(5)}', 'items/5', { id: '5' }],
    ['flags/{on:bool}', 'flags/TRUE', { on: 'TRUE' }],
    ['flags/{on:bool}', 'flags/yes', null],
    ['ids/{id:guid}', 'ids/6f9619ff-8b86-d011-b42d-00c04fc964ff', { id: '6f9619ff-8b86-d011-b42d-00c04fc964ff' }],
    ['ids/{id:guid}', 'ids/not-a-guid', null],
    ['n/{x:double}', 'n/1.5e3', { x: '1.5e3' }],
    ['n/{x:decimal}', 'n/1.5e3', null],
    ['w/{w:minlength(3):maxlength(4)}', 'w/ab', null],
    ['w/{w:minlength(3):maxlength(4)}', 'w/abcd', { w: 'abcd' }],
    ['w/{w:length(2)}', 'w/ab', { w: 'ab' }],
    ['w/{w:length(2,3)}', 'w/abcd', null],
    ['zip/{code:regex(^\\d{{5}}$)}', 'zip/12345', { code: '12345' }],
    ['zip/{code:regex(^\\d{{5}}$)}', 'zip/1234', null],
    ['files/{*path}', 'files/a/b/c.txt', { path: 'a/b/c.txt' }],
    ['files/{*path}', 'files', {}],
    ['files/{**path}', 'files/x', { path: 'x' }],
    ['docs/{name}.{ext}', 'docs/report.final.pdf', { name: 'report.final', ext: 'pdf' }],
    ['page/{n=1}', 'page', { n: '1' }],
    ['page/{n:int=1}', 'page/3', { n: '3' }],
    ['{name?}', '', {}],
    ['{name?}', 'hello', { name: 'hello' }],
    ['', '', {}],
    ['/leading/slash', 'leading/slash', {}],
  ])('%s matches "%s" -> %j', (template, path, expected) => {
    expect(compileRouteTemplate(template).match(path)?.params ?? null).toEqual(expected);
  });

  it.each([
    ['a/{id:nope}', 'unknown constraint "nope"'],
    ['a/{id', 'unclosed "{"'],
    ['a/id}', 'unmatched "}"'],
    ['a/{x}/{x}', 'parameter "x" appears more than once'],
    ['a/{*rest}/b', 'catch-all parameter "rest" must be the whole last segment'],
    ['a//b', 'empty segment'],
    ['a/{x}{y}', 'two parameters with no literal between them'],
    ['a/{id:min(x)}', 'constraint "min" takes 1 integer argument(s)'],
    ['a/{id:regex(()}', 'is not a valid regular expression'],
    ['a/{1bad}', 'invalid parameter name "1bad"'],
    ['a/b?c', 'contains "?"'],
    ['a/{x?}.{y}', 'optional parameter "x" must be a whole segment'],
  ])('rejects %s (%s)', (template, reason) => {
    expect(() => compileRouteTemplate(template)).toThrow(`Invalid route template "${template}": `);
    expect(() => compileRouteTemplate(template)).toThrow(reason);
  });

  it('orders literal before constrained before plain before catch-all segments, as ASP.NET Core does', () => {
    const templates = ['items/{*rest}', 'items/{slug}', 'items/{id:int}', 'items/new', 'items'];
    const ordered = templates.map(compileRouteTemplate).sort(compareRoutePrecedence).map((r) => r.template);
    expect(ordered).toEqual(['items', 'items/new', 'items/{id:int}', 'items/{slug}', 'items/{*rest}']);
  });
});
