/**
 * Network faults on the Durable client's calls to the host (its HTTP management API): a connection reset or refused
 * by a busy host is worth another try inside the activity, where one failure would otherwise fail the activity and
 * end the orchestration that called it (seen in the 10,000-event soak: a writer-queue "is the writer alive" check
 * failed with `read ECONNRESET` and left a spoke `ControllerError`). Only faults with no HTTP answer count: an
 * answer (404, 409, 500 `OrchestrationAlreadyExistsException`, ...) is the host's word and is the caller's to judge.
 */
const NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/** Whether `e` is a network fault with no HTTP answer (axios and Node errors carry `code`; "socket hang up" has none). */
export function isNetworkFault(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { code, message, response } = e as { code?: unknown; message?: unknown; response?: unknown };
  if (response !== undefined && response !== null) return false;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return typeof message === 'string' && /socket hang up/i.test(message);
}

export interface NetworkRetryOptions {
  /** Tries in all (default 4). */
  attempts?: number;
  /** Wait before the second try, doubled before each next one (default 250 ms: 250, 500, 1,000). */
  firstDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs `call`, trying again after a network fault (isNetworkFault) up to `attempts` tries; any other error at once. */
export async function retryNetworkFaults<T>(call: () => Promise<T>, options: NetworkRetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  const firstDelayMs = options.firstDelayMs ?? 250;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (attempt >= attempts || !isNetworkFault(e)) throw e;
      await sleep(firstDelayMs * 2 ** (attempt - 1));
    }
  }
}
