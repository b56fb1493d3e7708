/**
 * Route templates as the Functions host (ASP.NET Core routing) accepts them in an HTTP trigger's `route`:
 * literal segments (case-insensitive), `{name}`, optional `{name?}`, defaults `{name=value}`, catch-all `{*rest}` /
 * `{**rest}`, complex segments such as `{file}.{ext}`, and inline constraints such as `{id:int}`, `{id:int:min(1)}`,
 * `{code:regex(^[a-z]{{2}}$)}` (braces inside a template are escaped by doubling them, as in ASP.NET Core).
 */

export class RouteTemplateError extends Error {
  constructor(template: string, reason: string) {
    super(`Invalid route template "${template}": ${reason}`);
    this.name = 'RouteTemplateError';
  }
}

type Constraint = { name: string; test: (value: string) => boolean };

interface RouteParameter {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue?: string;
  constraints: Constraint[];
  /** Name of the regex capture group holding this parameter's (still percent-encoded) value. */
  group: string;
}

type SegmentPart = { kind: 'literal'; text: string } | { kind: 'parameter'; parameter: RouteParameter };

export interface RouteMatch {
  /** Route values by parameter name (decoded), as the host passes them in `request.params`. */
  params: Record<string, string>;
}

export interface CompiledRoute {
  template: string;
  parameters: readonly string[];
  /** ASP.NET Core inbound precedence per segment: literal 1, complex 2, constrained 3, parameter 4, catch-all 5. */
  precedence: readonly number[];
  /** Matches a path relative to the route prefix (no leading slash, still percent-encoded, no query). */
  match(path: string): RouteMatch | null;
}

const INT32 = { min: -2147483648n, max: 2147483647n };
const INT64 = { min: -9223372036854775808n, max: 9223372036854775807n };
const INTEGER = /^[+-]?\d+$/;
const REAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const GUID = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}|\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\))$/i;

function inRange(value: string, range: { min: bigint; max: bigint }): boolean {
  if (!INTEGER.test(value)) return false;
  const n = BigInt(value);
  return n >= range.min && n <= range.max;
}

function integerArgs(template: string, constraint: string, args: string[], count: number[]): bigint[] {
  if (!count.includes(args.length) || !args.every((a) => INTEGER.test(a.trim()))) {
    throw new RouteTemplateError(template, `constraint "${constraint}" takes ${count.join(' or ')} integer argument(s)`);
  }
  return args.map((a) => BigInt(a.trim()));
}

/** The constraints ASP.NET Core registers by default (the set the Functions host resolves). */
function buildConstraint(template: string, text: string): Constraint {
  const m = /^([A-Za-z]+)(?:\((.*)\))?$/s.exec(text);
  if (!m) throw new RouteTemplateError(template, `malformed constraint "${text}"`);
  const name = (m[1] ?? '').toLowerCase();
  const rawArgs = m[2];
  const args = rawArgs === undefined ? [] : name === 'regex' ? [rawArgs] : rawArgs.split(',');
  const noArgs = (test: (v: string) => boolean): Constraint => {
    if (rawArgs !== undefined) throw new RouteTemplateError(template, `constraint "${name}" takes no arguments`);
    return { name, test };
  };
  const asLong = (v: string): bigint | null => (inRange(v, INT64) ? BigInt(v) : null);
  switch (name) {
    case 'int':
      return noArgs((v) => inRange(v, INT32));
    case 'long':
      return noArgs((v) => inRange(v, INT64));
    case 'bool':
      return noArgs((v) => /^(true|false)$/i.test(v));
    case 'datetime':
      return noArgs((v) => v.trim() !== '' && !Number.isNaN(Date.parse(v)));
    case 'decimal':
      return noArgs((v) => /^[+-]?(\d+\.?\d*|\.\d+)$/.test(v));
    case 'double':
    case 'float':
      return noArgs((v) => REAL.test(v));
    case 'guid':
      return noArgs((v) => GUID.test(v));
    case 'alpha':
      return noArgs((v) => /^[a-z]+$/i.test(v));
    case 'required':
      return noArgs((v) => v !== '');
    case 'file':
      return noArgs((v) => /\.[^./]+$/.test(v.slice(v.lastIndexOf('/') + 1)));
    case 'nonfile':
      return noArgs((v) => !/\.[^./]+$/.test(v.slice(v.lastIndexOf('/') + 1)));
    case 'minlength': {
      const [n = 0n] = integerArgs(template, name, args, [1]);
      return { name, test: (v) => BigInt(v.length) >= n };
    }
    case 'maxlength': {
      const [n = 0n] = integerArgs(template, name, args, [1]);
      return { name, test: (v) => BigInt(v.length) <= n };
    }
    case 'length': {
      const [a = 0n, b] = integerArgs(template, name, args, [1, 2]);
      return { name, test: (v) => (b === undefined ? BigInt(v.length) === a : BigInt(v.length) >= a && BigInt(v.length) <= b) };
    }
    case 'min': {
      const [n = 0n] = integerArgs(template, name, args, [1]);
      return { name, test: (v) => (asLong(v) ?? n - 1n) >= n };
    }
    case 'max': {
      const [n = 0n] = integerArgs(template, name, args, [1]);
      return { name, test: (v) => (asLong(v) ?? n + 1n) <= n };
    }
    case 'range': {
      const [lo = 0n, hi = 0n] = integerArgs(template, name, args, [2]);
      return { name, test: (v) => { const n = asLong(v); return n !== null && n >= lo && n <= hi; } };
    }
    case 'regex': {
      let re: RegExp;
      try {
        // ASP.NET Core's regex constraint is case-insensitive and not anchored implicitly.
        re = new RegExp(args[0] ?? '', 'i');
      } catch (e) {
        throw new RouteTemplateError(template, `constraint "${text}" is not a valid regular expression (${(e as Error).message})`);
      }
      return { name, test: (v) => re.test(v) };
    }
    default:
      throw new RouteTemplateError(
        template,
        `unknown constraint "${name}"; supported: int, long, bool, datetime, decimal, double, float, guid, alpha, ` +
          'required, file, nonfile, minlength(n), maxlength(n), length(n), length(min,max), min(n), max(n), range(min,max), regex(expr)',
      );
  }
}

/** Splits `name:c1:c2(args)` on colons that are not inside constraint arguments. */
function splitConstraints(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of body) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ':' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function parseParameter(template: string, body: string, group: string): RouteParameter {
  let text = body;
  let catchAll = false;
  if (text.startsWith('**')) {
    catchAll = true;
    text = text.slice(2);
  } else if (text.startsWith('*')) {
    catchAll = true;
    text = text.slice(1);
  }
  let defaultValue: string | undefined;
  const [head = '', ...constraintTexts] = splitConstraints(text);
  let name = head;
  let optional = false;
  // The `?` or `=default` follows the last constraint when there are constraints: `{id:int?}`, `{id:int=5}`.
  const last = constraintTexts.length > 0 ? constraintTexts.length - 1 : -1;
  const tailOf = (s: string): { s: string; optional: boolean; defaultValue?: string } => {
    const eq = s.indexOf('=');
    if (eq >= 0 && !s.slice(0, eq).includes('(')) return { s: s.slice(0, eq), optional: false, defaultValue: s.slice(eq + 1) };
    if (s.endsWith('?')) return { s: s.slice(0, -1), optional: true };
    return { s, optional: false };
  };
  if (last >= 0) {
    const t = tailOf(constraintTexts[last] ?? '');
    constraintTexts[last] = t.s;
    optional = t.optional;
    defaultValue = t.defaultValue;
  } else {
    const t = tailOf(name);
    name = t.s;
    optional = t.optional;
    defaultValue = t.defaultValue;
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new RouteTemplateError(template, `"{${body}}" has an invalid parameter name "${name}"`);
  }
  if (catchAll && optional) {
    throw new RouteTemplateError(template, `catch-all parameter "${name}" cannot be marked optional (it already is)`);
  }
  if (optional && defaultValue !== undefined) {
    throw new RouteTemplateError(template, `parameter "${name}" cannot be both optional and have a default value`);
  }
  const constraints = constraintTexts.map((c) => buildConstraint(template, c));
  return { name, optional: optional || catchAll, catchAll, constraints, group, ...(defaultValue !== undefined ? { defaultValue } : {}) };
}

function parseSegment(template: string, segment: string, groupBase: number): SegmentPart[] {
  const parts: SegmentPart[] = [];
  let literal = '';
  let i = 0;
  while (i < segment.length) {
    const ch = segment[i];
    if (ch === '{' && segment[i + 1] === '{') {
      literal += '{';
      i += 2;
    } else if (ch === '}' && segment[i + 1] === '}') {
      literal += '}';
      i += 2;
    } else if (ch === '{') {
      // Find the closing brace, honouring doubled braces inside (regex constraints).
      let j = i + 1;
      let body = '';
      while (j < segment.length) {
        if (segment[j] === '}' && segment[j + 1] === '}') {
          body += '}';
          j += 2;
        } else if (segment[j] === '{' && segment[j + 1] === '{') {
          body += '{';
          j += 2;
        } else if (segment[j] === '}') {
          break;
        } else {
          body += segment[j];
          j += 1;
        }
      }
      if (j >= segment.length) throw new RouteTemplateError(template, `unclosed "{" in segment "${segment}"`);
      if (literal) parts.push({ kind: 'literal', text: literal });
      literal = '';
      if (parts.length > 0 && parts[parts.length - 1]?.kind === 'parameter') {
        throw new RouteTemplateError(template, `segment "${segment}" has two parameters with no literal between them`);
      }
      parts.push({ kind: 'parameter', parameter: parseParameter(template, body, `p${groupBase + parts.length}`) });
      i = j + 1;
    } else if (ch === '}') {
      throw new RouteTemplateError(template, `unmatched "}" in segment "${segment}"`);
    } else {
      literal += ch;
      i += 1;
    }
  }
  if (literal) parts.push({ kind: 'literal', text: literal });
  for (const part of parts) {
    if (part.kind === 'literal' && part.text.includes('?')) {
      throw new RouteTemplateError(template, `literal "${part.text}" contains "?" (the query string is not part of a route)`);
    }
  }
  return parts;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a malformed escape stays as sent, as ASP.NET Core leaves undecodable sequences alone
  }
}

/** Compiles a route template (as registered on an HTTP trigger) into a matcher. */
export function compileRouteTemplate(template: string): CompiledRoute {
  const trimmed = template.replace(/^~?\//, '').replace(/\/$/, '');
  const segments = trimmed === '' ? [] : trimmed.split('/');
  const parsed: SegmentPart[][] = [];
  let groups = 0;
  for (const segment of segments) {
    if (segment === '') throw new RouteTemplateError(template, 'empty segment ("//")');
    const parts = parseSegment(template, segment, groups);
    groups += parts.length;
    parsed.push(parts);
  }

  const parameters: RouteParameter[] = [];
  parsed.forEach((parts, index) => {
    for (const part of parts) {
      if (part.kind !== 'parameter') continue;
      const p = part.parameter;
      if (parameters.some((q) => q.name.toLowerCase() === p.name.toLowerCase())) {
        throw new RouteTemplateError(template, `parameter "${p.name}" appears more than once`);
      }
      if (p.catchAll && (index !== parsed.length - 1 || parts.length !== 1)) {
        throw new RouteTemplateError(template, `catch-all parameter "${p.name}" must be the whole last segment`);
      }
      if ((p.optional || p.defaultValue !== undefined) && !p.catchAll && parts.length !== 1) {
        throw new RouteTemplateError(template, `optional parameter "${p.name}" must be a whole segment`);
      }
      parameters.push(p);
    }
  });

  let pattern = '^';
  parsed.forEach((parts, index) => {
    const sep = index === 0 ? '' : '/';
    const only = parts.length === 1 ? parts[0] : undefined;
    if (only?.kind === 'parameter' && only.parameter.catchAll) {
      pattern += index === 0 ? `(?<${only.parameter.group}>.*)` : `(?:/(?<${only.parameter.group}>.*))?`;
      return;
    }
    if (only?.kind === 'parameter' && (only.parameter.optional || only.parameter.defaultValue !== undefined)) {
      pattern += index === 0 ? `(?<${only.parameter.group}>[^/]+)?` : `(?:/(?<${only.parameter.group}>[^/]+))?`;
      return;
    }
    pattern += sep;
    // Greedy captures match complex segments the way ASP.NET Core does, from the right: {name}.{ext} on
    // "a.b.pdf" gives ext "pdf".
    for (const part of parts) {
      if (part.kind === 'literal') pattern += escapeRegex(part.text);
      else pattern += `(?<${part.parameter.group}>[^/]+)`;
    }
  });
  pattern += '$';
  const regex = new RegExp(pattern, 'i');

  const precedence = parsed.map((parts) => {
    const only = parts.length === 1 ? parts[0] : undefined;
    if (only?.kind === 'literal') return 1;
    if (!only) return 2;
    if (only.kind === 'parameter' && only.parameter.catchAll) return 5;
    return only.kind === 'parameter' && only.parameter.constraints.length > 0 ? 3 : 4;
  });

  return {
    template,
    parameters: parameters.map((p) => p.name),
    precedence,
    match(path: string): RouteMatch | null {
      const normalized = path.replace(/^\/+/, '').replace(/\/+$/, '');
      const m = regex.exec(normalized);
      if (!m) return null;
      const params: Record<string, string> = {};
      for (const p of parameters) {
        const raw = m.groups?.[p.group];
        if (raw === undefined || raw === '') {
          if (p.defaultValue !== undefined) params[p.name] = p.defaultValue;
          else if (!p.optional) return null;
          continue;
        }
        const value = decode(raw);
        if (!p.constraints.every((c) => c.test(value))) return null;
        params[p.name] = value;
      }
      return { params };
    },
  };
}

/** Orders routes the way ASP.NET Core picks among several that match: most specific first. */
export function compareRoutePrecedence(a: CompiledRoute, b: CompiledRoute): number {
  const n = Math.min(a.precedence.length, b.precedence.length);
  for (let i = 0; i < n; i += 1) {
    const d = (a.precedence[i] ?? 0) - (b.precedence[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.precedence.length - b.precedence.length;
}
