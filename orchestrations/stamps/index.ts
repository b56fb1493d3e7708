/** The stamp health flow: registering this module registers its orchestrators, activities and entities. */
import './activities';
import './inbox';
import './writer';
import './monitor';

export { ensureStampMonitors, signalStamp } from './start';
export * from './names';
export type { GroupPlan, InboxSignal, MonitorInput } from './types';
