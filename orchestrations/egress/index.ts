/** The egress flow: registering this module registers its orchestrators, activities and the policy writers. */
import { registerWriterQueue } from '../common/writer-queue';
import './activities';
import { POLICY_WRITER_QUEUE } from './names';
import './request';
import './spoke-tag';

registerWriterQueue(POLICY_WRITER_QUEUE);

export * from './names';
export { conditionStatusOf, detailsOf, EGRESS_CONDITION } from './activities';
export type { DecisionEvent } from './request';
export { submitRequest } from './submit';
export { requestSpokeTagReconcile } from './spoke-tag';
export type { EgressDetails, EgressInput, EgressRequestSpec } from './types';
