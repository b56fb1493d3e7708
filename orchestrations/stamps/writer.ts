/**
 * Writes to one Front Door profile are serialized: a classic PUT replaces the whole profile, so two concurrent edits
 * would lose one, and Standard/Premium origin PATCHes of one profile are kept in order too. One writer queue and at
 * most one writer per profile, the mechanism the hub writers and the firewall policy writers share
 * (../common/writer-queue.ts).
 */
import { registerWriterQueue } from '../common/writer-queue';
import { FRONT_DOOR_WRITER_QUEUE } from './names';

registerWriterQueue(FRONT_DOOR_WRITER_QUEUE);
