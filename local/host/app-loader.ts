/**
 * Loads a Functions app the way the Node.js worker does and invokes its functions through the app's own
 * programming model (`getInvocationModel` -> `getArguments` -> hooks -> `invokeFunction` -> `getResponse`), so the
 * conversions between the host's typed data and the handler's arguments are the library's, not ours.
 */
import Module from 'node:module';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type {
  BindingInfo,
  FunctionInvoker,
  InputBindingProvider,
  InvokeRequest,
  InvokeResult,
  RegisteredFunction,
  TypedData,
} from '../contract';
import * as core from './functions-core';

export type LogLevel = core.RpcLogLevel;

export interface FunctionLogEntry {
  level: LogLevel;
  category: core.RpcLogCategory;
  /** Absent for logs written outside an invocation. */
  functionName?: string;
  invocationId?: string;
  message: string;
}

export interface LoadAppOptions {
  /** Module paths (absolute, or relative to the current directory) whose loading registers the app's functions. */
  entries: string[];
  onLog?: (entry: FunctionLogEntry) => void;
}

export interface LocalFunctionApp extends FunctionInvoker {
  provideInput(bindingType: string, provider: InputBindingProvider): void;
}

const CORE_MODULE = '@azure/functions-core';

interface ResolveFilename {
  (request: string, parent: unknown, isMain: boolean, options?: unknown): string;
}

/**
 * Makes `require('@azure/functions-core')` resolve to our stand-in in plain Node. Under jest the same mapping is
 * done by `moduleNameMapper`, and Node's resolver is not consulted.
 */
export function installCoreModule(): void {
  const mod = Module as unknown as { _resolveFilename: ResolveFilename & { __functionsCore?: true } };
  if (mod._resolveFilename.__functionsCore) return;
  const original = mod._resolveFilename;
  const target = require.resolve('./functions-core');
  const patched: ResolveFilename & { __functionsCore?: true } = function (request, parent, isMain, options) {
    if (request === CORE_MODULE) return target;
    return original.call(Module, request, parent, isMain, options);
  };
  patched.__functionsCore = true;
  mod._resolveFilename = patched;
}

function toRegistered(captured: core.CapturedFunction): RegisteredFunction {
  const { metadata } = captured;
  const entry = Object.entries(metadata.bindings).find(
    ([, b]) => b.direction === 'in' && typeof b.type === 'string' && b.type.toLowerCase().endsWith('trigger'),
  );
  if (!entry) {
    throw new Error(`Function "${metadata.name}" has no trigger binding.`);
  }
  const [triggerBindingName, trigger] = entry;
  return { name: metadata.name, bindings: metadata.bindings, triggerBindingName, trigger, retryOptions: metadata.retryOptions };
}

/** Turns the host-side typed data of a response back into a plain value. */
export function decodeTypedData(data: unknown): unknown {
  if (data === null || data === undefined || typeof data !== 'object') return data ?? undefined;
  const d = data as TypedData & { collectionString?: { string?: string[] } };
  if (d.json !== undefined && d.json !== null) return JSON.parse(d.json);
  if (d.string !== undefined && d.string !== null) return d.string;
  if (d.bytes !== undefined && d.bytes !== null) return Buffer.from(d.bytes);
  if (d.http !== undefined && d.http !== null) return d.http;
  if (d.int !== undefined && d.int !== null) return Number(d.int);
  if (d.double !== undefined && d.double !== null) return d.double;
  if (d.collectionString?.string) return d.collectionString.string;
  return undefined;
}

async function runHooks(name: core.HookName, context: Record<string, unknown>): Promise<void> {
  for (const hook of core.registry.hooks.get(name) ?? []) {
    await hook(context);
  }
}

/**
 * Asks the programming model for its capabilities once, as the worker does at start (this also locks `app.setup`).
 * HTTP streaming needs the worker's HTTP proxy channel, which the local host does not provide.
 */
async function negotiateCapabilities(model: core.ProgrammingModel): Promise<void> {
  const capabilities = (await model.getCapabilities?.({})) ?? {};
  if (capabilities.HttpUri) {
    throw new Error('app.setup({ enableHttpStream: true }) is not supported by the local host; remove it to run locally.');
  }
}

export function loadFunctionApp(options: LoadAppOptions): LocalFunctionApp {
  installCoreModule();
  const onLog = options.onLog ?? (() => undefined);
  core.registry.onLog = (level, category, message) => onLog({ level, category, message });
  core.registry.loading = true;
  try {
    for (const entry of options.entries) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading the app is a dynamic require, as in the worker
      require(path.resolve(entry));
    }
  } finally {
    core.registry.loading = false;
  }
  if (core.registry.functions.size > 0 && !core.registry.programmingModel) {
    throw new Error('Functions were registered but no programming model was set; load them through @azure/functions.');
  }

  const ready = core.registry.programmingModel ? negotiateCapabilities(core.registry.programmingModel) : Promise.resolve();
  const providers = new Map<string, InputBindingProvider>();
  const appHookData: Record<string, unknown> = {};

  const get = (name: string): RegisteredFunction | undefined => {
    const captured = core.registry.functions.get(name.toLowerCase());
    return captured ? toRegistered(captured) : undefined;
  };

  async function invoke(request: InvokeRequest): Promise<InvokeResult> {
    const captured = core.registry.functions.get(request.functionName.toLowerCase());
    if (!captured) {
      return { ok: false, error: new Error(`No function named "${request.functionName}" is registered.`) };
    }
    const fn = toRegistered(captured);
    const model = core.registry.programmingModel;
    if (!model) return { ok: false, error: new Error('The app set no programming model.') };

    const inputData: { name: string; data: unknown }[] = [{ name: fn.triggerBindingName, data: request.triggerData }];
    for (const [bindingName, binding] of Object.entries(fn.bindings)) {
      if (bindingName === fn.triggerBindingName || binding.direction !== 'in') continue;
      const given = request.extraInputs?.[bindingName];
      const provider = providers.get(binding.type.toLowerCase());
      if (given) inputData.push({ name: bindingName, data: given });
      else if (provider) inputData.push({ name: bindingName, data: provider(binding, fn) });
      else {
        return {
          ok: false,
          error: new Error(`Function "${fn.name}" has an input binding of type "${binding.type}" that the local host cannot supply.`),
        };
      }
    }

    const invocationId = randomUUID();
    const coreCtx: core.CoreInvocationContext = {
      invocationId,
      request: { invocationId, functionId: fn.name, inputData, triggerMetadata: request.triggerMetadata ?? {} },
      metadata: { name: fn.name, bindings: fn.bindings, retryOptions: fn.retryOptions },
      log: (level, category, message) => onLog({ level, category, functionName: fn.name, invocationId, message }),
    };

    try {
      await ready;
      const invocation = await model.getInvocationModel(coreCtx);
      const { context, inputs } = await invocation.getArguments();
      const hookData: Record<string, unknown> = {};
      const pre = { invocationContext: context, inputs, functionCallback: captured.callback, hookData, appHookData };
      coreCtx.state = 'preInvocationHooks';
      await runHooks('preInvocation', pre);
      coreCtx.state = 'invocation';
      let result: unknown;
      let error: unknown = null;
      try {
        result = await invocation.invokeFunction(context, pre.inputs, pre.functionCallback);
      } catch (e) {
        error = e;
      }
      coreCtx.state = 'postInvocationHooks';
      const post = { invocationContext: context, inputs: pre.inputs, result, error, hookData, appHookData };
      await runHooks('postInvocation', post);
      coreCtx.state = undefined;
      if (post.error) throw post.error;
      const response = await invocation.getResponse(context, post.result);
      const outputs: Record<string, unknown> = {};
      for (const out of response.outputData ?? []) outputs[out.name] = decodeTypedData(out.data);
      return { ok: true, returnValue: decodeTypedData(response.returnValue), outputs };
    } catch (e) {
      coreCtx.state = undefined;
      return { ok: false, error: e instanceof Error ? e : new Error(String(e)) };
    }
  }

  return {
    list: () => [...core.registry.functions.values()].map(toRegistered),
    get,
    invoke,
    provideInput(bindingType: string, provider: InputBindingProvider): void {
      providers.set(bindingType.toLowerCase(), provider);
    },
  };
}

/** Runs the app's `appStart` hooks, as the worker does once the app is loaded. */
export async function runAppStartHooks(functionAppDirectory: string): Promise<void> {
  await runHooks('appStart', { functionAppDirectory, hookData: {}, appHookData: {} });
}

/** Runs the app's `appTerminate` hooks. */
export async function runAppTerminateHooks(): Promise<void> {
  await runHooks('appTerminate', { hookData: {}, appHookData: {} });
}

export type { BindingInfo };
