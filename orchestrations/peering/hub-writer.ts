/**
 * Writes to one hub VNet are never in flight concurrently: ARM locks the hub for every peering write that touches
 * it (hub side and spoke side alike). Each hub has a writer queue (../common/writer-queue.ts, the mechanism every
 * flow's writers share) whose writer applies one spoke's request after another.
 */
import { registerWriterQueue } from '../common/writer-queue';
import { HUB_WRITER_QUEUE } from './names';

registerWriterQueue(HUB_WRITER_QUEUE);
