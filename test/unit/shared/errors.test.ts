import { classifyArmError, retryAfterMs } from '../../../shared/azure/errors';

function restError(statusCode: number | undefined, code: string | undefined, headers: Record<string, string> = {}) {
  return Object.assign(new Error(`${code ?? 'no code'} happened`), {
    name: 'RestError',
    statusCode,
    code,
    response: { headers: { get: (n: string) => headers[n.toLowerCase()] } },
  });
}

describe('classifyArmError', () => {
  it.each([
    [409, 'AnotherOperationInProgress', 'retryable'],
    [429, 'RetryableErrorDueToAnotherOperation', 'retryable'],
    [400, 'ReferencedResourceNotProvisioned', 'retryable'],
    [429, 'SubscriptionRequestsThrottled', 'retryable'],
    [500, 'InternalServerError', 'retryable'],
    [503, undefined, 'retryable'],
    [502, 'SomethingNew', 'retryable'],
    [409, 'Conflict', 'retryable'],
    [400, 'VnetAddressSpacesOverlap', 'terminal'],
    [400, 'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet', 'terminal'],
    [400, 'RemoteVnetHasNoGateways', 'terminal'],
    [403, 'AuthorizationFailed', 'terminal'],
    [404, 'ResourceGroupNotFound', 'terminal'],
    [400, 'InvalidParameter', 'terminal'],
    [400, 'SomethingNew', 'terminal'],
    [404, 'ResourceNotFound', 'notFound'],
    [404, undefined, 'notFound'],
  ])('HTTP %s %s is %s', (status, code, expected) => {
    expect(classifyArmError(restError(status, code)).class).toBe(expected);
  });

  it('keeps code, message and status, and names a missing code after the status', () => {
    expect(classifyArmError(restError(400, 'VnetAddressSpacesOverlap'))).toEqual({
      class: 'terminal',
      code: 'VnetAddressSpacesOverlap',
      message: 'VnetAddressSpacesOverlap happened',
      statusCode: 400,
    });
    expect(classifyArmError(restError(503, undefined)).code).toBe('Http503');
  });

  it('carries Retry-After on retryable errors', () => {
    expect(classifyArmError(restError(429, 'SubscriptionRequestsThrottled', { 'retry-after': '7' })).retryAfterMs).toBe(7000);
  });

  it.each([
    ['The long-running operation has failed. VnetAddressSpaceOverlapsWithAlreadyPeeredVnet. Cannot create peering.', 'terminal', 'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet', 'Cannot create peering.'],
    ['The long-running operation has failed. InternalServerError. An error occurred.', 'retryable', 'InternalServerError', 'An error occurred.'],
    ['The long-running operation has failed. SomethingNew. Who knows.', 'retryable', 'SomethingNew', 'Who knows.'],
    ['The long-running operation has failed', 'retryable', 'OperationFailed', 'The long-running operation has failed'],
  ])('reads the code of a failed long-running operation from %j', (message, cls, code, detail) => {
    expect(classifyArmError(new Error(message))).toEqual({ class: cls, code, message: detail });
  });

  it('treats network failures as retryable and plain bugs as terminal', () => {
    expect(classifyArmError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).class).toBe('retryable');
    expect(classifyArmError(new TypeError('cannot read properties of undefined')).class).toBe('terminal');
    expect(classifyArmError('weird').message).toBe('weird');
  });
});

describe('retryAfterMs', () => {
  const withHeaders = (h: Record<string, string>) => ({ response: { headers: h } });
  it.each([
    [{ 'retry-after': '10' }, 10000],
    [{ 'retry-after-ms': '250' }, 250],
    [{ 'x-ms-retry-after-ms': '1500', 'retry-after': '9' }, 1500],
    [{ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, 30000],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('%j -> %s', (headers, expected) => {
    expect(retryAfterMs(withHeaders(headers), Date.parse('2026-01-01T00:00:00Z'))).toBe(expected);
  });
});
