/** The private endpoint DNS flow: registering this module registers its orchestrators and activities. */
import '../common/activities';
import './activities';
import './endpoint';
import './sweep';

export { requestEndpointDns } from './activities';
export * from './names';
export type { EndpointSweepInput, EndpointSweepResult } from './sweep';
