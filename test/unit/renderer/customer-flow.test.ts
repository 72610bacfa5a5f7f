import { describe, expect, it } from 'vitest';
import { jobView } from '../../support/views';
import type { ConsentRequest, JobPhase, JobView, Snapshot } from '../../../src/shared/api';
import { DEFAULT_SETTINGS } from '../../../src/shared/schemas';
import {
  consentAnswer,
  consentTextsShown,
  customerStage,
  EMPTY_MEMORY,
  followedJobId,
} from '../../../src/renderer/screens/customer/customer-flow';
import { customerJobOf, reduceEvent, reduceSnapshot } from '../../../src/renderer/store/reducers';
import { initialData } from '../../../src/renderer/store/state';

const job = (phase: JobPhase, over: Partial<JobView> = {}): JobView => jobView(phase, over);

function request(over: Partial<ConsentRequest> = {}): ConsentRequest {
  return {
    requestId: 'r1',
    jobId: 'j1',
    portId: 'p1',
    model: 'X1',
    fromVersion: '1.0',
    targetVersion: '1.1',
    releaseNotes: { en: 'notes' },
    imageBytes: 1000,
    estimatedSeconds: 60,
    privacy: { version: 'privacy-7', text: { en: 'We keep little.', de: 'Wir speichern wenig.', es: 'Guardamos poco.' } },
    warranty: { version: 'warranty-3', text: { en: 'Warranty stays.', de: 'Garantie bleibt.', es: 'La garantía sigue.' } },
    supportsSchedule: false,
    consentMode: 'customer',
    createdAt: 1,
    ...over,
  };
}

function snapshot(over: Partial<Snapshot> = {}, consent: Partial<Snapshot['consent']> = {}): Snapshot {
  return {
    app: { name: 'fumo-kiosk', version: '0', demo: false },
    devices: [],
    jobs: [],
    consent: { pending: [], customerRequestId: null, ...consent },
    session: null,
    catalog: [],
    trust: [],
    settings: DEFAULT_SETTINGS,
    recentHistory: [],
    ...over,
  };
}

describe('the consent the customer reads comes from the request', () => {
  it('shows the request’s privacy and warranty texts and versions in the chosen language', () => {
    const shown = consentTextsShown(request(), 'de');
    expect(shown.privacy).toEqual({ text: 'Wir speichern wenig.', lang: 'de', version: 'privacy-7' });
    expect(shown.warranty).toEqual({ text: 'Garantie bleibt.', lang: 'de', version: 'warranty-3' });
  });

  it.each(['en', 'de', 'es'])('the answer echoes both versions and the language %s', (lng) => {
    expect(consentAnswer(request(), 'approve', 'now', lng)).toEqual({
      requestId: 'r1',
      decision: 'approve',
      schedule: 'now',
      language: lng,
      privacyVersion: 'privacy-7',
      warrantyVersion: 'warranty-3',
    });
  });

  it('records the language the texts were really shown in when the request lacks the chosen one', () => {
    const onlyEnglish = request({ privacy: { version: 'p1', text: { en: 'x' } }, warranty: { version: 'w1', text: { en: 'y' } } });
    expect(consentAnswer(onlyEnglish, 'decline', 'now', 'es')).toMatchObject({ language: 'en', privacyVersion: 'p1', warrantyVersion: 'w1' });
  });
});

describe('a customer display shows the job it belongs to', () => {
  it('follows the kiosk’s customer job when this display did not answer (opened mid-update)', () => {
    expect(followedJobId(EMPTY_MEMORY, 'j1')).toBe('j1');
    expect(customerStage(EMPTY_MEMORY, null, job('downloading', { bytesSent: 10, bytesTotal: 100 }))).toBe('progress');
    expect(customerStage(EMPTY_MEMORY, null, job('awaiting-device-consent'))).toBe('device');
    expect(customerStage(EMPTY_MEMORY, null, job('failed'))).toBe('failed');
  });

  it('answered on another display: the request is gone, the job still awaits consent -> confirm on the phone', () => {
    expect(customerStage(EMPTY_MEMORY, null, job('awaiting-consent'))).toBe('device');
  });

  it('keeps the offer while the answer travels (no Welcome between Yes and Confirm on your phone)', () => {
    expect(customerStage(EMPTY_MEMORY, request(), job('awaiting-consent'), true)).toBe('offer');
    // The request resolved before the answer's reply came back: still the offer, not Welcome.
    expect(customerStage(EMPTY_MEMORY, null, undefined, true)).toBe('offer');
  });

  it('does not follow a job this display already finished with', () => {
    expect(followedJobId({ ...EMPTY_MEMORY, finishedJobId: 'j1' }, 'j1')).toBeNull();
    expect(followedJobId({ ...EMPTY_MEMORY, jobId: 'j2' }, 'j1')).toBe('j2');
  });

  it('a snapshot names the customer job: the kiosk’s own field first, else the handed-over request’s job', () => {
    expect(customerJobOf(snapshot({}, { customerJobId: 'j9' }), null)).toBe('j9');
    expect(customerJobOf(snapshot({}, { pending: [request({ requestId: 'r2', jobId: 'j2' })], customerRequestId: 'r2' }), null)).toBe('j2');
  });

  it('a display opened mid-update infers the one running customer job from the snapshot', () => {
    const s = snapshot({ jobs: [job('downloading'), job('completed', { jobId: 'j0' })] });
    expect(customerJobOf(s, null)).toBe('j1');
    expect(reduceSnapshot(initialData(), s).consent.customerJobId).toBe('j1');
    // Two running: it cannot tell which phone is this customer's, so it guesses none.
    const two = snapshot({ jobs: [job('downloading'), job('installing', { jobId: 'j2', portId: 'p2' })] });
    expect(customerJobOf(two, null)).toBeNull();
    // Operator-consent jobs have no customer.
    expect(customerJobOf(snapshot({ jobs: [job('downloading', { consentMode: 'operator' })] }), null)).toBeNull();
  });

  it('a handover event names the job for every display', () => {
    const data = reduceEvent(initialData(), { event: 'consent:handover', payload: { requestId: 'r1', jobId: 'j1', portId: 'p1' } });
    expect(data.consent.customerJobId).toBe('j1');
  });
});
