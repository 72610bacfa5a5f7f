/**
 * JobEvents: what follows from the runner's reports (views, progress, the card, the download URL,
 * the update-time estimate, the history record, consent requests, asking a phone again).
 */
import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../src/core/fumo/ports';
import type { DeviceEntry } from '../../../src/main/services/device-registry';
import { JobEvents } from '../../../src/main/services/job-events';
import { JobViews } from '../../../src/main/services/job-views';

const DEV = 'IMEI:352099000000048';

function setup(o: { active?: boolean } = {}) {
  const entry = { d: { portId: 'p1' }, devId: DEV, profile: { id: 'prof' }, view: { portId: 'p1', state: 'idle', problems: [] } } as unknown as DeviceEntry;
  const views = new JobViews();
  views.infoFor('j1', 'p1', 'customer');
  const emitted: Array<{ event: string; payload: unknown }> = [];
  const log: string[] = [];
  const events = new JobEvents({
    views,
    registry: { get: (portId) => (portId === 'p1' ? entry : undefined), update: (_e, card) => void log.push(`card ${card.state}`) },
    phones: { showCableOut: (jobId) => void log.push(`cable-out ${jobId}`), onJobWaiting: (devId, reason) => void log.push(`waiting ${devId} ${reason}`) },
    updateTimes: { record: (profileId) => void log.push(`time ${profileId}`) },
    history: { observe: (s) => void log.push(`history ${s.state}`) },
    consents: { endJob: (jobId) => void log.push(`consent-end ${jobId}`) },
    activeFor: () => (o.active === false ? undefined : ({ jobId: 'j1' } as JobSnapshot)),
    revokePayloads: (devId) => void log.push(`revoke ${devId}`),
    emit: (event, payload) => void emitted.push({ event, payload }),
  });
  return { events, emitted, log, views };
}

const snap = (state: JobSnapshot['state']): JobSnapshot => ({ jobId: 'j1', portId: 'p1', devId: DEV, state, parked: false, createdAt: 1, updatedAt: 2 }) as JobSnapshot;

describe('JobEvents', () => {
  it('a running job: its view is emitted and the card follows; nothing closes', () => {
    const t = setup();
    t.events.onRunnerEvent({ type: 'job-state', snapshot: snap('downloading') });
    expect(t.emitted.map((e) => e.event)).toEqual(['job:updated']);
    expect(t.log).toEqual(['card updating', 'history downloading']);
  });

  it('a job that is done: URL revoked, time recorded, history observed, consent requests ended', () => {
    const t = setup();
    t.events.onJobState(snap('done'));
    expect(t.log).toEqual([`revoke ${DEV}`, 'card updated', 'time prof', 'history done', 'consent-end j1']);
  });

  it('a failed job records no update time', () => {
    const t = setup();
    t.events.onJobState(snap('failed'));
    expect(t.log).not.toContain('time prof');
    expect(t.log).toContain('consent-end j1');
  });

  it('a job waiting to reconnect shows the cable out and has its phone asked again; a reboot wait only the latter', () => {
    const t = setup();
    t.events.onRunnerEvent({ type: 'waiting', jobId: 'j1', devId: DEV, reason: 'reconnect' });
    t.events.onRunnerEvent({ type: 'waiting', jobId: 'j1', devId: DEV, reason: 'reboot' });
    expect(t.log).toEqual(['cable-out j1', `waiting ${DEV} reconnect`, `waiting ${DEV} reboot`]);
  });

  it('progress of the job and of the payload server is emitted as job:progress', () => {
    const t = setup();
    t.events.onRunnerEvent({ type: 'job-progress', progress: { jobId: 'j1', phase: 'downloading', bytesSent: 10, totalBytes: 100, speedBps: 5, etaSeconds: 18 } as never });
    t.events.onPayloadServed(DEV, 150, 120);
    expect(t.emitted).toEqual([
      { event: 'job:progress', payload: { jobId: 'j1', portId: 'p1', bytesSent: 10, bytesTotal: 100, speedBps: 5, etaSeconds: 18 } },
      { event: 'job:progress', payload: { jobId: 'j1', portId: 'p1', bytesSent: 120, bytesTotal: 120, speedBps: 5, etaSeconds: 18 } },
    ]);
  });

  it('progress of an unknown job, or a download with no job, is not emitted', () => {
    const t = setup({ active: false });
    t.events.onRunnerEvent({ type: 'job-progress', progress: { jobId: 'other', bytesSent: 1, totalBytes: 2, speedBps: 1 } as never });
    t.events.onPayloadServed(DEV, 1, 2);
    expect(t.emitted).toEqual([]);
  });
});
