/**
 * Which customer screen to show, derived from the store and what the customer did. Pure, so the
 * rules (requirement 8: an up-to-date phone asks nothing; decline shows "nothing was changed")
 * are unit tested without a browser.
 */
import type { ConsentAnswer, ConsentRequest, JobView, LocalizedText, Schedule } from '../../../shared/api';

export type CustomerStage = 'welcome' | 'offer' | 'device' | 'progress' | 'done' | 'declined' | 'failed';

export interface CustomerMemory {
  /** The request the customer answered or walked away from (not shown again). */
  settledRequestId: string | null;
  /** The job the customer approved; followed to its end. */
  jobId: string | null;
  /** The customer declined on the kiosk. */
  declined: boolean;
  /** The job this display finished with (Finish or the idle reset): not followed again. */
  finishedJobId?: string | null;
}

export const EMPTY_MEMORY: CustomerMemory = { settledRequestId: null, jobId: null, declined: false, finishedJobId: null };

/**
 * The job this display follows: the one the customer approved here, else the one the kiosk says
 * the customer display belongs to (handed over, possibly answered on another display, or running
 * when this display was opened), unless this display already finished with it.
 */
export function followedJobId(memory: CustomerMemory, storeJobId: string | null | undefined): string | null {
  if (memory.jobId) return memory.jobId;
  if (storeJobId && storeJobId !== memory.finishedJobId) return storeJobId;
  return null;
}

/**
 * The stage for the followed `job` and the `request` handed to this display.
 * `answering`: an answer is on its way to the kiosk; the offer stays until it is settled, so no
 * other screen flashes between "Yes" and "Confirm on your phone".
 */
export function customerStage(
  memory: CustomerMemory,
  request: ConsentRequest | null,
  job: JobView | undefined,
  answering = false,
): CustomerStage {
  if (memory.declined) return 'declined';
  if (answering) return 'offer';
  // Only a request handed to this display is shown; an up-to-date phone never has one. A job the
  // customer approved here is followed to its end first.
  const offered = request && request.requestId !== memory.settledRequestId && request.consentMode === 'customer';
  if (offered && !memory.jobId) return 'offer';
  if (job) {
    switch (job.phase) {
      case 'awaiting-consent': // answered (here or on another display), the job moves on next
      case 'awaiting-device-consent':
        return 'device';
      case 'completed':
      case 'scheduled':
        return 'done';
      case 'declined':
        return 'declined';
      case 'failed':
      case 'cancelled':
        return 'failed';
      default:
        return 'progress';
    }
  }
  if (memory.jobId) return 'progress';
  return 'welcome';
}

/** Stages in which the customer is waiting on the phone or the transfer: the idle timer pauses. */
export function idlePaused(stage: CustomerStage): boolean {
  return stage === 'device' || stage === 'progress';
}

/** The text in the chosen language, else English, else any language given. */
export function pickText(text: LocalizedText | null | undefined, lng: string): string {
  return pickTextWithLang(text, lng).text;
}

/** As pickText, with the language the text is really in (for the `lang` attribute). */
export function pickTextWithLang(text: LocalizedText | null | undefined, lng: string): { text: string; lang: string } {
  if (!text) return { text: '', lang: lng };
  if (text[lng] !== undefined) return { text: text[lng], lang: lng };
  if (text.en !== undefined) return { text: text.en, lang: 'en' };
  const first = Object.entries(text)[0];
  return first ? { text: first[1], lang: first[0] } : { text: '', lang: lng };
}

export interface ShownConsentTexts {
  privacy: { text: string; lang: string; version: string };
  warranty: { text: string; lang: string; version: string };
  /** The language the privacy and warranty texts were shown in (recorded with the answer). */
  language: string;
}

/** The privacy and warranty texts of the request, as shown to a customer reading `lng`. */
export function consentTextsShown(request: ConsentRequest, lng: string): ShownConsentTexts {
  const privacy = pickTextWithLang(request.privacy.text, lng);
  const warranty = pickTextWithLang(request.warranty.text, lng);
  return {
    privacy: { ...privacy, version: request.privacy.version },
    warranty: { ...warranty, version: request.warranty.version },
    language: privacy.lang,
  };
}

/** The answer to send: it echoes the versions and the language of the texts the customer read. */
export function consentAnswer(
  request: ConsentRequest,
  decision: 'approve' | 'decline',
  schedule: Schedule,
  lng: string,
): ConsentAnswer {
  const shown = consentTextsShown(request, lng);
  return {
    requestId: request.requestId,
    decision,
    schedule,
    language: shown.language,
    privacyVersion: shown.privacy.version,
    warrantyVersion: shown.warranty.version,
  };
}
