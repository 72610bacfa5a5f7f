/**
 * How long a job spent in each state, from its history of [state, enteredAt] pairs: what the
 * audit record keeps about the phases of an attempt.
 */
import { isTerminal, type JobSnapshot } from './ports';

type History = JobSnapshot['history'];

/** Milliseconds spent in each state (a state entered twice counts both stays). */
export function phaseTimings(history: History, until: number): Record<string, number> {
  const out: Record<string, number> = {};
  history.forEach(([state, at], i) => {
    const end = i + 1 < history.length ? (history[i + 1]?.[1] ?? until) : until;
    out[state] = (out[state] ?? 0) + Math.max(0, end - at);
  });
  return out;
}

/** When each state was first entered and last left (an end state ends as it starts). */
export function phaseSpans(history: History, until: number): Record<string, { startedAt: number; endedAt: number | null }> {
  const out: Record<string, { startedAt: number; endedAt: number | null }> = {};
  history.forEach(([state, at], i) => {
    const end = i + 1 < history.length ? (history[i + 1]?.[1] ?? until) : isTerminal(state) ? at : until;
    const prev = out[state];
    out[state] = { startedAt: prev?.startedAt ?? at, endedAt: end };
  });
  return out;
}
