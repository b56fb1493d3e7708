/**
 * The list routes' paging (functions/http.ts pageOf): `?top` bounded, an opaque continuation token naming the last key
 * handed out (so records added between pages are neither repeated nor skip others), and a next link with the filters.
 */
import { HttpRequest } from '@azure/functions';
import { pageOf, type Page } from '../../../functions/http';

const request = (query: string) => new HttpRequest({ method: 'GET', url: `http://localhost/api/things${query}` });
const ok = <T>(parsed: { ok: true; value: Page<T> } | { ok: false; response: { status?: number } }): Page<T> => {
  if (!parsed.ok) throw new Error(`expected a page, got ${parsed.response.status}`);
  return parsed.value;
};
const link = { path: '/api/things', filters: { status: 'False', reason: null } };

describe('pageOf', () => {
  const items = ['d', 'a', 'e', 'c', 'b'];

  it('walks every item once, in key order, following the next links', () => {
    const seen: string[] = [];
    let query = '?status=False&top=2';
    const links: string[] = [];
    for (;;) {
      const page = ok(pageOf(request(query), items, (x) => x, link));
      expect(page.count).toBe(5);
      seen.push(...page.items);
      if (!page.nextLink) {
        expect(page.continuationToken).toBeUndefined();
        break;
      }
      links.push(page.nextLink);
      query = page.nextLink.slice('/api/things'.length);
    }
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(links).toHaveLength(2);
    for (const l of links) expect(l).toMatch(/^\/api\/things\?status=False&top=2&continuationToken=[A-Za-z0-9_-]+$/);
  });

  it('neither repeats nor skips the others when records come and go between pages', () => {
    const first = ok(pageOf(request('?top=2'), items, (x) => x, link));
    expect(first.items).toEqual(['a', 'b']);
    const changed = ['aa', 'c', 'd', 'e', 'bb']; // a and b gone, aa (before the token) and bb (after it) added
    const second = ok(pageOf(request(`?top=2&continuationToken=${first.continuationToken ?? ''}`), changed, (x) => x, link));
    expect(second.items).toEqual(['bb', 'c']);
  });

  it('answers everything at once up to the default top, and an empty list with no link', () => {
    expect(ok(pageOf(request(''), items, (x) => x, link))).toEqual({ count: 5, items: ['a', 'b', 'c', 'd', 'e'] });
    expect(ok(pageOf(request(''), [], (x: string) => x, link))).toEqual({ count: 0, items: [] });
    const capped = ok(pageOf(request(''), items, (x) => x, link, { defaultTop: 3, maxTop: 4 }));
    expect(capped.items).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['?top=0', 'top must be a whole number from 1 to 1000 (got "0")'],
    ['?top=1001', 'top must be a whole number from 1 to 1000 (got "1001")'],
    ['?top=2.5', 'top must be a whole number from 1 to 1000 (got "2.5")'],
    ['?top=ten', 'top must be a whole number from 1 to 1000 (got "ten")'],
    ['?continuationToken=not-a-token', 'continuationToken is not one this route handed out'],
    [`?continuationToken=${Buffer.from(JSON.stringify({ skip: 3 })).toString('base64url')}`, 'continuationToken is not one this route handed out'],
  ])('%s is a 400 InvalidQuery', (query, message) => {
    const parsed = pageOf(request(query), items, (x) => x, link);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.response.status).toBe(400);
    expect((parsed.response.jsonBody as { error: { code: string; message: string } }).error).toMatchObject({ code: 'InvalidQuery', message: expect.stringContaining(message) });
  });
});
