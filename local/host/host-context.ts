/** What the request handlers and the timer scheduler of the local host share. */
import type { Clock, FunctionInvoker, InvokeRequest, InvokeResult } from '../contract';
import type { HostKeys } from './keys';
import type { HostLogger } from './logger';
import type { AppSettings } from './settings';

export interface HostContext {
  app: FunctionInvoker;
  settings: AppSettings;
  /** Read at each request, so a key set in the environment after start is honoured. */
  keys(): HostKeys;
  logger: HostLogger;
  clock: Clock;
  /** Invokes a function and logs the outcome (failures with their stack), as the host's "Executed ..." lines. */
  invoke(request: InvokeRequest, reason: string): Promise<InvokeResult>;
  /** Keeps work that outlives a request (admin runs, timer runs) so `stop()` can wait for it. */
  track(work: Promise<unknown>): void;
}

/** Builds `HostContext.invoke` over an invoker and a logger. */
export function loggedInvoke(app: FunctionInvoker, logger: HostLogger, clock: Clock) {
  return async (request: InvokeRequest, reason: string): Promise<InvokeResult> => {
    const started = clock.now();
    logger.host('debug', `Executing 'Functions.${request.functionName}' (Reason='${reason}')`);
    const result = await app.invoke(request);
    const duration = clock.now() - started;
    if (result.ok) {
      logger.host('debug', `Executed 'Functions.${request.functionName}' (Succeeded, Duration=${duration}ms)`);
    } else {
      logger.host(
        'error',
        `Executed 'Functions.${request.functionName}' (Failed, Duration=${duration}ms): ${result.error.stack ?? result.error.message}`,
      );
    }
    return result;
  };
}
