/**
 * The table of HTTP-triggered functions: each function's route (default: its name) under the route prefix, its
 * methods and auth level, and the lookup the host does for a request path + method.
 */
import type { RegisteredFunction } from '../contract';
import { compareRoutePrecedence, compileRouteTemplate, type CompiledRoute } from './route-template';

export interface HttpRoute {
  functionName: string;
  route: CompiledRoute;
  /** Upper-case methods; the library registers GET and POST when the app gives none. */
  methods: string[];
  authLevel: string;
}

export type RouteLookup =
  | { kind: 'found'; route: HttpRoute; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

export interface RouteTableProblem {
  functionName: string;
  message: string;
}

export function isHttpTrigger(fn: RegisteredFunction): boolean {
  return fn.trigger.type.toLowerCase() === 'httptrigger';
}

export class HttpRouteTable {
  readonly routes: HttpRoute[] = [];
  /** Functions whose route could not be compiled; the host reports them and serves the rest, as Azure does. */
  readonly problems: RouteTableProblem[] = [];

  constructor(functions: RegisteredFunction[]) {
    for (const fn of functions.filter(isHttpTrigger)) {
      const template = typeof fn.trigger.route === 'string' && fn.trigger.route !== '' ? fn.trigger.route : fn.name;
      try {
        const methods = Array.isArray(fn.trigger.methods) && fn.trigger.methods.length > 0
          ? fn.trigger.methods.map((m) => String(m).toUpperCase())
          : ['GET', 'POST'];
        const authLevel = typeof fn.trigger.authLevel === 'string' ? fn.trigger.authLevel : 'anonymous';
        this.routes.push({ functionName: fn.name, route: compileRouteTemplate(template), methods, authLevel });
      } catch (e) {
        this.problems.push({ functionName: fn.name, message: (e as Error).message });
      }
    }
    // Stable sort: equal precedence keeps registration order.
    this.routes.sort((a, b) => compareRoutePrecedence(a.route, b.route));
  }

  /** Finds the function for a path relative to the route prefix (percent-encoded, no query). */
  lookup(path: string, method: string): RouteLookup {
    const allow = new Set<string>();
    for (const route of this.routes) {
      const match = route.route.match(path);
      if (!match) continue;
      if (route.methods.includes(method.toUpperCase())) return { kind: 'found', route, params: match.params };
      route.methods.forEach((m) => allow.add(m));
    }
    return allow.size > 0 ? { kind: 'method-not-allowed', allow: [...allow] } : { kind: 'not-found' };
  }
}
