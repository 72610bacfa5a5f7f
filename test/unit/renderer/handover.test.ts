import { describe, expect, it } from 'vitest';
import {
  BENCH,
  handoverReducer,
  parseHandover,
  serializeHandover,
  takesThisScreen,
  type HandoverEvent,
  type HandoverState,
} from '../../../src/renderer/screens/tech/handover';

const run = (events: HandoverEvent[], from: HandoverState = BENCH) => events.reduce(handoverReducer, from);

describe('one-screen handover state', () => {
  it('hands the screen over for one request', () => {
    expect(run([{ type: 'handedOver', requestId: 'r1' }])).toEqual({ mode: 'customer', requestId: 'r1' });
  });

  it('returns to the bench only through an accepted PIN', () => {
    const customer: HandoverState = { mode: 'customer', requestId: 'r1' };
    // Every event other than pinAccepted leaves the bench hidden.
    expect(handoverReducer(customer, { type: 'handedOver', requestId: 'r2' }).mode).toBe('customer');
    expect(handoverReducer(customer, { type: 'customerFinished' }).mode).toBe('handBack');
    expect(handoverReducer(customer, { type: 'pinAccepted' }).mode).toBe('bench');
    const handBack: HandoverState = { mode: 'handBack', requestId: 'r1' };
    expect(handoverReducer(handBack, { type: 'handedOver', requestId: 'r2' }).mode).toBe('handBack');
    expect(handoverReducer(handBack, { type: 'customerFinished' }).mode).toBe('handBack');
    expect(handoverReducer(handBack, { type: 'pinAccepted' })).toEqual({ mode: 'bench', requestId: null });
  });

  it('goes to the hand-back state when the customer finishes, keeping the request for reference', () => {
    expect(run([{ type: 'handedOver', requestId: 'r7' }, { type: 'customerFinished' }])).toEqual({ mode: 'handBack', requestId: 'r7' });
  });

  it('ignores a finish on the bench', () => {
    expect(handoverReducer(BENCH, { type: 'customerFinished' })).toEqual({ mode: 'bench', requestId: null });
  });

  it('takes this screen only when no customer display is open elsewhere', () => {
    expect(takesThisScreen(false)).toBe(true);
    expect(takesThisScreen(true)).toBe(false);
  });

  it('survives a reload and fails closed on anything it does not understand', () => {
    const states: HandoverState[] = [
      { mode: 'customer', requestId: 'r1' },
      { mode: 'handBack', requestId: 'r1' },
      { mode: 'handBack', requestId: null },
    ];
    for (const s of states) expect(parseHandover(serializeHandover(s))).toEqual(s);
    expect(serializeHandover(BENCH)).toBeNull();
    expect(parseHandover(null)).toEqual({ mode: 'bench', requestId: null });
    for (const junk of ['', 'not json', '{}', '{"mode":"bench"}', '{"mode":"customer"}', '[1]', 'null', '"bench"'])
      expect(parseHandover(junk), junk).toEqual({ mode: 'handBack', requestId: null });
  });
});
