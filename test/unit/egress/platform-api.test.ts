/** The platform API adapter's pure parts: error classification (once) and Retry-After. */
import { classifyPlatformError, parseRetryAfter, PlatformApiError, platformDestination } from '../../../shared/egress/platform-api-adapter';

describe('classifyPlatformError', () => {
  it.each([
    [429, 'retryable'],
    [408, 'retryable'],
    [409, 'retryable'],
    [500, 'retryable'],
    [503, 'retryable'],
    [400, 'terminal'],
    [401, 'terminal'],
    [403, 'terminal'],
    [404, 'terminal'],
    [422, 'terminal'],
  ])('HTTP %i is %s', (status, cls) => {
    const c = classifyPlatformError(new PlatformApiError(status, 'T', 'd'));
    expect(c.class).toBe(cls);
    expect(c.code).toBe(`PlatformApi${status}`);
    expect(c.statusCode).toBe(status);
  });
  it('keeps Retry-After, treats no answer as retryable and a broken contract as terminal', () => {
    expect(classifyPlatformError(new PlatformApiError(429, 'TooManyRequests', 'slow down', 7000)).retryAfterMs).toBe(7000);
    expect(classifyPlatformError(new PlatformApiError(undefined, 'PlatformApiUnreachable', 'ECONNREFUSED')).class).toBe('retryable');
    expect(classifyPlatformError(new TypeError('fetch failed')).class).toBe('retryable');
    expect(classifyPlatformError(new PlatformApiError(202, 'InvalidResponse', 'no Operation-Location')).class).toBe('terminal');
    expect(classifyPlatformError(new PlatformApiError(undefined, 'InvalidOperationLocation', 'elsewhere')).class).toBe('terminal');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1);
  it.each([
    ['3', 3000],
    ['0', 0],
    [' 12 ', 12000],
    [new Date(now + 5000).toUTCString(), 5000],
    [new Date(now - 5000).toUTCString(), 0],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('%p -> %p', (value, ms) => expect(parseRetryAfter(value, now)).toBe(ms));
});

it('platformDestination writes the contract shape', () => {
  expect(platformDestination({ kind: 'fqdn', fqdn: 'api.github.com', wildcard: false, ports: [{ protocol: 'Https', port: 443 }] })).toEqual({ fqdn: 'api.github.com', ports: [{ protocol: 'Https', port: 443 }] });
  expect(platformDestination({ kind: 'fqdnTag', tag: 'WindowsUpdate', ports: [{ protocol: 'Https', port: 443 }] })).toEqual({ fqdnTag: 'WindowsUpdate' });
});
