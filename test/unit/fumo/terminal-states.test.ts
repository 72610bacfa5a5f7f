import { describe, expect, it } from 'vitest';
import { JOB_STATES, TERMINAL_STATES, isTerminal, isTerminalStateName, outcomeOfState } from '../../../src/core/fumo/ports';
import { resultOf } from '../../../src/main/services/job-views';
import type { JobSnapshot } from '../../../src/core/fumo/ports';

describe('terminal states and outcomes (one definition)', () => {
  it('names the five terminal states; a stored name is terminal exactly when its state is', () => {
    expect([...TERMINAL_STATES].sort()).toEqual(['cancelled', 'declined', 'done', 'failed', 'up-to-date']);
    for (const s of JOB_STATES) expect(isTerminalStateName(s)).toBe(isTerminal(s));
    // 'completed' is a screen phase, not a job state.
    expect(isTerminalStateName('completed')).toBe(false);
    expect(isTerminalStateName('nonsense')).toBe(false);
  });

  it('gives every terminal state its outcome, scheduled its own, and the running states none', () => {
    const outcomes = Object.fromEntries(JOB_STATES.map((s) => [s, outcomeOfState(s)]));
    expect(outcomes).toMatchObject({ done: 'success', 'up-to-date': 'up-to-date', declined: 'declined', cancelled: 'cancelled', failed: 'failed', scheduled: 'scheduled' });
    for (const s of JOB_STATES) if (!isTerminal(s) && s !== 'scheduled') expect(outcomeOfState(s)).toBeNull();
  });

  it('the job view shows a scheduled job as scheduled only once it is parked', () => {
    const snap = (state: JobSnapshot['state'], parked: boolean) => ({ state, parked }) as JobSnapshot;
    expect(resultOf(snap('scheduled', false))).toBeNull();
    expect(resultOf(snap('scheduled', true))).toBe('scheduled');
    expect(resultOf(snap('done', false))).toBe('success');
    expect(resultOf(snap('downloading', false))).toBeNull();
  });
});
