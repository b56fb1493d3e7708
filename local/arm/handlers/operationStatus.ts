/**
 * Operation status resources: Azure-AsyncOperation URLs answer `{"status": "InProgress"|"Succeeded"|"Failed",
 * "error"?}`; Location (operation result) URLs answer 202 while running, then 204 / 200 with the resource, or the
 * operation's error with its HTTP status.
 */
import type { ArmResponse, EmulatorCore, RequestContext } from '../context';
import { lroRetryAfter, statusUrl } from '../context';
import { ArmError } from '../errors';
import type { OperationFlavor, OperationRecord } from '../operations';

function findOperation(core: EmulatorCore, ctx: RequestContext, id: string, flavor: OperationFlavor): OperationRecord {
  const op = core.operations.get(id);
  if (!op || op.flavor !== flavor || op.subscriptionId.toLowerCase() !== ctx.subscriptionId.toLowerCase()) {
    throw new ArmError(404, 'OperationNotFound', `Operation ${id} was not found.`);
  }
  return op;
}

export function getOperationStatus(core: EmulatorCore, ctx: RequestContext, id: string, flavor: OperationFlavor): ArmResponse {
  const op = findOperation(core, ctx, id, flavor);
  const body: Record<string, unknown> = { status: op.status };
  if (flavor === 'privateDns') Object.assign(body, { id: op.statusUrl.split('?')[0], name: op.id, startTime: op.startTime, ...(op.endTime ? { endTime: op.endTime } : {}) });
  if (op.error) body['error'] = { code: op.error.code, message: op.error.message, details: [] };
  return { status: 200, headers: op.status === 'InProgress' ? lroRetryAfter(core) : {}, body };
}

export function getOperationResult(core: EmulatorCore, ctx: RequestContext, id: string, flavor: OperationFlavor): ArmResponse {
  const op = findOperation(core, ctx, id, flavor);
  if (op.status === 'InProgress') {
    return {
      status: 202,
      headers: { Location: statusUrl(ctx, flavor, op.region, op.resourceGroup, op.id, 'result'), ...lroRetryAfter(core, flavor === 'resourceGroup' ? 15 : 10) },
    };
  }
  if (op.status === 'Failed') {
    throw new ArmError(op.error?.code === 'InternalServerError' ? 500 : 400, op.error?.code ?? 'Failed', op.error?.message ?? 'The operation failed.');
  }
  if (op.method !== 'DELETE' && op.result) return { status: 200, headers: {}, body: op.result() };
  return { status: flavor === 'resourceGroup' ? 200 : 204, headers: {} };
}
