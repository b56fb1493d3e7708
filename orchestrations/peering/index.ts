/** The spoke peering flow: registering this module registers its orchestrators, activities and entity. */
import '../common/activities';
import './activities';
import './hub-writer';
import './spoke';
import './sweep';

export { requestSpokeReconcile } from './start';
export * from './names';
export type { SweepInput, SweepResult, HubEventInput } from './sweep';
