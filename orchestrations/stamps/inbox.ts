/**
 * A group's signal inbox: a durable entity (operations run one at a time) that HTTP routes and the event trigger
 * add to and the group's monitor drains at the start of each round. Signals never travel as external events alone:
 * those raised while an orchestration continues as new can be dropped, an entity's state cannot.
 */
import * as df from 'durable-functions';
import { STAMP_INBOX_ENTITY } from './names';
import type { InboxSignal } from './types';

/** Signals kept per group until the next round; beyond it the oldest go (and the count says so). */
export const INBOX_LIMIT = 500;

interface InboxState {
  pending: InboxSignal[];
  dropped: number;
}

df.app.entity(STAMP_INBOX_ENTITY, (context: df.EntityContext<InboxState>) => {
  const state: InboxState = context.df.getState(() => ({ pending: [], dropped: 0 })) ?? { pending: [], dropped: 0 };
  switch (context.df.operationName) {
    case 'add': {
      const signal = context.df.getInput<InboxSignal>();
      if (!signal) throw new Error('add needs a signal');
      state.pending.push(signal);
      if (state.pending.length > INBOX_LIMIT) {
        state.dropped += state.pending.length - INBOX_LIMIT;
        state.pending = state.pending.slice(-INBOX_LIMIT);
      }
      context.df.setState(state);
      return;
    }
    case 'drain':
      context.df.return({ signals: state.pending, dropped: state.dropped });
      context.df.setState({ pending: [], dropped: 0 });
      return;
    default:
      throw new Error(`${STAMP_INBOX_ENTITY}: unknown operation "${context.df.operationName}"`);
  }
});
