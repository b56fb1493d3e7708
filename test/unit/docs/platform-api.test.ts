// The platform team's contract (docs/platform-api.openapi.yaml): it parses, is OpenAPI 3.1, every $ref resolves, and
// it has the operations, codes and headers issue 11 names; a request is submitted before its decision, which apply carries.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

const doc = parse(fs.readFileSync(path.resolve(__dirname, '../../../docs/platform-api.openapi.yaml'), 'utf8')) as Record<string, unknown>;

function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

function resolve(ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), doc);
}

describe('docs/platform-api.openapi.yaml', () => {
  it('is OpenAPI 3.1 and every $ref resolves', () => {
    expect(doc['openapi']).toBe('3.1.0');
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((r) => resolve(r) === undefined)).toEqual([]);
  });

  it('has the operations, answers and headers of the contract', () => {
    const paths = doc['paths'] as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    expect(Object.keys(paths).sort()).toEqual(['/v1/egress-requests', '/v1/egress-requests/{id}', '/v1/egress-requests/{id}/apply', '/v1/egress-requests/{id}/revoke', '/v1/operations/{operationId}']);
    expect(Object.keys(paths['/v1/egress-requests']?.['post']?.responses ?? {})).toEqual(expect.arrayContaining(['201', '401', '422', '429']));
    expect(Object.keys(paths['/v1/egress-requests/{id}/apply']?.['post']?.responses ?? {})).toContain('202');
    const accepted = resolve('#/components/responses/Accepted') as { headers: Record<string, unknown> };
    expect(Object.keys(accepted.headers)).toContain('Operation-Location');
    const operation = resolve('#/components/schemas/Operation') as { properties: { status: { enum: string[] } } };
    expect(operation.properties.status.enum).toEqual(['NotStarted', 'Running', 'Succeeded', 'Failed']);
    const throttled = resolve('#/components/responses/TooManyRequests') as { headers: Record<string, unknown> };
    expect(Object.keys(throttled.headers)).toEqual(['Retry-After']);
  });

  it('submits a request without a decision; the decision is the body of apply; a request can be Withdrawn', () => {
    type Schema = { required: string[]; properties: Record<string, unknown> };
    const request = resolve('#/components/schemas/EgressRequest') as Schema;
    expect(request.required).not.toContain('approvedBy');
    expect(Object.keys(request.properties)).not.toContain('approvedBy');
    const paths = doc['paths'] as Record<string, Record<string, { requestBody?: { required: boolean; content: Record<string, { schema: { $ref: string } }> } }>>;
    const apply = paths['/v1/egress-requests/{id}/apply']?.['post']?.requestBody;
    expect(apply?.required).toBe(true);
    expect(apply?.content['application/json']?.schema.$ref).toBe('#/components/schemas/Decision');
    const decision = resolve('#/components/schemas/Decision') as Schema;
    expect(decision.required).toEqual(['approvedBy', 'decidedAt']);
    expect(Object.keys(decision.properties).sort()).toEqual(['approvedBy', 'comment', 'decidedAt']);
    const status = resolve('#/components/schemas/EgressRequestStatus') as { properties: { status: { enum: string[] } } };
    expect(status.properties.status.enum).toContain('Withdrawn');
  });
});
