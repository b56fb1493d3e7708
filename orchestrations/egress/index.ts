/** The egress flow: registering this module registers its orchestrators, activities and the policy writers. */
import { registerWriterQueue } from '../common/writer-queue';
import './activities';
import { POLICY_WRITER_QUEUE } from './names';
import './request';

registerWriterQueue(POLICY_WRITER_QUEUE);

export * from './names';
export { conditionStatusOf, detailsOf, EGRESS_CONDITION } from './activities';
export type { DecisionEvent } from './request';
export type { EgressDetails, EgressInput, EgressRequestSpec } from './types';
