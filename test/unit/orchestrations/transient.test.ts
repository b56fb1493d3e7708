// orchestrations/common/transient.ts: a network fault on the Durable client's way to the host is tried again inside
// the activity (the 10,000-event soak's stuck spoke: `read ECONNRESET` on a writer-queue alive check); an HTTP answer
// or any other error is not.
import { isNetworkFault, retryNetworkFaults } from '../../../orchestrations/common/transient';
import { clientCommand, startHarness, type Harness } from '../durable/harness';

const reset = (): Error => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

describe('isNetworkFault', () => {
  it.each<[string, unknown, boolean]>([
    ['axios-shaped, connection reset, no answer', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', isAxiosError: true, response: undefined }), true],
    ['Node, connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7071'), { code: 'ECONNREFUSED' }), true],
    ['timed out', Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }), true],
    ['socket hang up (no code)', new Error('socket hang up'), true],
    ['an HTTP answer, even with a network-looking code', Object.assign(new Error('Request failed with status code 500'), { code: 'ECONNRESET', response: { status: 500 } }), false],
    ['axios-shaped, an HTTP answer (409)', Object.assign(new Error('Request failed with status code 409'), { code: 'ERR_BAD_REQUEST', isAxiosError: true, response: { status: 409 } }), false],
    ['another code', Object.assign(new Error('nope'), { code: 'ERR_INVALID_ARG_TYPE' }), false],
    ['a plain error', new Error('Orchestration instance not found (404)'), false],
    ['not an object', 'ECONNRESET', false],
    ['null', null, false],
  ])('%s', (_what, error, expected) => {
    expect(isNetworkFault(error)).toBe(expected);
  });
});

describe('retryNetworkFaults', () => {
  const slept: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    slept.push(ms);
  };
  beforeEach(() => {
    slept.length = 0;
  });

  it('tries again after network faults, waiting 250, 500 ms, and returns the answer', async () => {
    let calls = 0;
    const got = await retryNetworkFaults(async () => {
      calls++;
      if (calls < 3) throw reset();
      return 'Running';
    }, { sleep });
    expect(got).toBe('Running');
    expect(calls).toBe(3);
    expect(slept).toEqual([250, 500]);
  });

  it('gives up after the last try with its error', async () => {
    let calls = 0;
    await expect(retryNetworkFaults(async () => {
      calls++;
      throw Object.assign(reset(), { message: `reset #${calls}` });
    }, { attempts: 3, sleep })).rejects.toThrow('reset #3');
    expect(calls).toBe(3);
    expect(slept).toEqual([250, 500]);
  });

  it('throws any other error at once', async () => {
    let calls = 0;
    await expect(retryNetworkFaults(async () => {
      calls++;
      throw new Error('Request failed with status code 400');
    }, { sleep })).rejects.toThrow('status code 400');
    expect(calls).toBe(1);
    expect(slept).toEqual([]);
  });
});

describe('instanceStatus over the real Durable client when the host resets a connection', () => {
  let h: Harness;
  const savedHostname = process.env.WEBSITE_HOSTNAME;
  /** Status reads of each instance to reset (destroy the socket, no HTTP answer) before answering. */
  const resets = new Map<string, number>();
  const seen: string[] = [];
  beforeAll(async () => {
    h = await startHarness({
      intercept: (req, _res, url) => {
        const m = /\/instances\/([^/?]+)$/.exec(url.pathname);
        if (req.method !== 'GET' || !m?.[1]) return false;
        const id = decodeURIComponent(m[1]);
        seen.push(id);
        const left = resets.get(id) ?? 0;
        if (left <= 0) return false;
        resets.set(id, left - 1);
        req.socket.destroy();
        return true;
      },
    });
    // Without it, getClient rewrites management URLs to http://localhost:7071 (the Core Tools default).
    process.env.WEBSITE_HOSTNAME = new URL(h.baseUrl).host;
  });
  afterAll(async () => {
    if (savedHostname === undefined) delete process.env.WEBSITE_HOSTNAME;
    else process.env.WEBSITE_HOSTNAME = savedHostname;
    await h.close();
  });

  it('reads the status after two resets (the writer queue alive check no longer fails its orchestration)', async () => {
    await clientCommand(h, { op: 'startNew', name: 'HelloSequence', instanceId: 'reset-1', input: { x: 1 } });
    await h.engine.waitForCompletion('reset-1', 5000);
    resets.set('reset-1', 2);
    seen.length = 0;
    await expect(clientCommand(h, { op: 'instanceStatus', instanceId: 'reset-1' })).resolves.toMatchObject({ instanceId: 'reset-1', runtimeStatus: 'Completed' });
    expect(seen.filter((id) => id === 'reset-1')).toHaveLength(3);
  });

  it('still answers "absent" for an instance the host does not know (its 404), asking once', async () => {
    seen.length = 0;
    await expect(clientCommand(h, { op: 'instanceStatus', instanceId: 'never-started' })).resolves.toEqual({ absent: true });
    expect(seen).toEqual(['never-started']);
  });
});
