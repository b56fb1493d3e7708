/**
 * The seams between the pieces of the embedded default (local/):
 *   - the local Functions host (local/host) loads the app and can invoke any registered function;
 *   - the Durable engine (local/durable) invokes orchestrator/activity/entity functions through the host and
 *     serves the Durable extension's HTTP API through a route mounted on the host's server;
 *   - the ARM emulator (local/arm) and the Event Grid publisher (local/eventgrid) are mounted beside them.
 * Every piece depends on these interfaces, never on another piece's internals.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A binding as registered by @azure/functions (`toCoreFunctionMetadata`): type, direction and every option. */
export interface BindingInfo {
  type: string;
  direction: 'in' | 'out' | 'inout';
  name?: string;
  [option: string]: unknown;
}

/** One function captured from `registerFunction` of the `@azure/functions-core` stand-in. */
export interface RegisteredFunction {
  name: string;
  /** Binding name -> binding, exactly as registered. */
  bindings: Record<string, BindingInfo>;
  /** The name of the trigger binding (the one whose type ends in "Trigger"). */
  triggerBindingName: string;
  /** The trigger binding, e.g. `{type: 'httpTrigger', route, methods, authLevel}`, `{type: 'orchestrationTrigger'}`. */
  trigger: BindingInfo;
  retryOptions?: unknown;
}

/**
 * Typed data as the Functions host sends it to the worker (`RpcTypedData`): exactly one field set.
 * `json` carries a JSON *string*; `string` a plain string; `http` an RpcHttpData.
 */
export interface TypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  http?: unknown;
  int?: number | null;
  double?: number | null;
}

export interface InvokeRequest {
  functionName: string;
  /** The trigger's input, as the host would send it. */
  triggerData: TypedData;
  triggerMetadata?: Record<string, TypedData>;
  /**
   * Extra input bindings by binding name. The host fills `durableClient` inputs itself through the
   * registered {@link InputBindingProvider}s, so callers normally leave this empty.
   */
  extraInputs?: Record<string, TypedData>;
}

export type InvokeResult =
  | {
      ok: true;
      /** The decoded return value (RpcTypedData -> JS value: json parsed, string as string, http as the raw rpc http). */
      returnValue: unknown;
      /** Decoded named output bindings. */
      outputs: Record<string, unknown>;
    }
  | { ok: false; error: Error };

/** Invokes registered functions the way the Node worker does (programming model -> invocation model). */
export interface FunctionInvoker {
  list(): RegisteredFunction[];
  get(name: string): RegisteredFunction | undefined;
  invoke(request: InvokeRequest): Promise<InvokeResult>;
}

/** Supplies the data of a non-trigger input binding of a given type (e.g. `durableClient`). */
export type InputBindingProvider = (binding: BindingInfo, fn: RegisteredFunction) => TypedData;

/** A handler for raw HTTP requests under a path prefix on the host's server. Return false to pass. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

/** What the local host lets other pieces plug into. */
export interface HostExtensionPoints {
  /** Serve raw HTTP under `prefix` (e.g. `/runtime/webhooks/durabletask/`), checked before the app's routes. */
  mount(prefix: string, handler: RouteHandler): void;
  /** Provide input data for every binding of `bindingType` (e.g. `durableClient`). */
  provideInput(bindingType: string, provider: InputBindingProvider): void;
  /** Add a section to `GET /api/local/info`; the value is computed at each request. */
  addInfo(section: string, value: () => unknown): void;
  /** The base URL the host listens on, e.g. `http://127.0.0.1:7071` (known once started). */
  baseUrl(): string;
}

/** Time as the Durable engine and emulators see it: real by default, virtual in tests. */
export interface Clock {
  now(): number;
  /** Calls `fn` once `now() >= at`; returns a cancel function. */
  schedule(at: number, fn: () => void): () => void;
}
