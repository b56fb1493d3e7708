/**
 * Stand-in for `@azure/functions-core`, the module the Azure Functions Node.js worker provides to the app at run time.
 * `@azure/functions` calls `setProgrammingModel` once and `registerFunction` per function; we capture both so the
 * local host can serve and invoke them exactly as the worker would. Resolution of the module name is arranged by
 * `installCoreModule()` (Node) or jest's `moduleNameMapper` (tests); both point at this file, so there is one
 * registry per module system.
 */
import type { BindingInfo } from '../contract';

export const version = 'local-4.x';
export const hostVersion = 'local-4.x';

export type RpcLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
export type RpcLogCategory = 'user' | 'system' | 'customMetric';
export type FunctionCallback = (...args: unknown[]) => unknown;

export interface FunctionMetadata {
  name: string;
  functionId?: string;
  bindings: Record<string, BindingInfo>;
  retryOptions?: unknown;
}

/** The programming model interface the worker drives (see the worker's types-core). */
export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreContext: CoreInvocationContext): InvocationModel | Promise<InvocationModel>;
  getCapabilities?(defaults: Record<string, string>): Record<string, string> | Promise<Record<string, string>>;
}

export interface CoreInvocationContext {
  invocationId: string;
  request: {
    invocationId: string;
    functionId: string;
    inputData: { name: string; data: unknown }[];
    triggerMetadata: Record<string, unknown>;
    traceContext?: unknown;
    retryContext?: unknown;
  };
  metadata: { name: string; bindings: Record<string, BindingInfo>; retryOptions?: unknown };
  state?: 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';
  log(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<{
    invocationId?: string;
    outputData?: { name: string; data: unknown }[] | null;
    returnValue?: unknown;
  }>;
}

export type HookName = 'preInvocation' | 'postInvocation' | 'appStart' | 'appTerminate' | 'log';
export type HookCallback = (context: Record<string, unknown>) => unknown;

export class Disposable {
  static from(...disposables: { dispose: () => unknown }[]): Disposable {
    return new Disposable(() => disposables.forEach((d) => d.dispose()));
  }
  #callOnDispose: (() => unknown) | undefined;
  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }
  dispose(): unknown {
    const fn = this.#callOnDispose;
    this.#callOnDispose = undefined;
    return fn?.();
  }
}

export interface CapturedFunction {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

/** Everything the app registered, shared by the loader and the host. */
export const registry = {
  programmingModel: undefined as ProgrammingModel | undefined,
  functions: new Map<string, CapturedFunction>(),
  hooks: new Map<HookName, HookCallback[]>(),
  /** True while the app's modules are being loaded: the worker accepts registrations only then. */
  loading: false,
  /** Receives `log()` calls made outside an invocation. */
  onLog: undefined as ((level: RpcLogLevel, category: RpcLogCategory, message: string) => void) | undefined,
};

export function registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
  if (!registry.loading) {
    throw new Error(`Function "${metadata.name}" was registered after the app finished loading; ` +
      'register every function at module load time, as the Azure Functions worker requires.');
  }
  const key = metadata.name.toLowerCase();
  if (registry.functions.has(key)) {
    throw new Error(`A function named "${metadata.name}" is already registered (function names are case-insensitive).`);
  }
  registry.functions.set(key, { metadata, callback });
  return new Disposable(() => registry.functions.delete(key));
}

export function registerHook(hookName: HookName, callback: HookCallback): Disposable {
  const list = registry.hooks.get(hookName) ?? [];
  list.push(callback);
  registry.hooks.set(hookName, list);
  return new Disposable(() => {
    const i = list.indexOf(callback);
    if (i >= 0) list.splice(i, 1);
  });
}

export function setProgrammingModel(programmingModel: ProgrammingModel): void {
  registry.programmingModel = programmingModel;
}

export function getProgrammingModel(): ProgrammingModel {
  if (!registry.programmingModel) {
    throw new Error('No programming model is set: the app has not called any @azure/functions `app.*` method.');
  }
  return registry.programmingModel;
}

export function log(level: RpcLogLevel, category: RpcLogCategory, message: string): void {
  registry.onLog?.(level, category, message);
}
