/**
 * Which customer screen to show, derived from the store and what the customer did. Pure, so the
 * rules (requirement 8: an up-to-date phone asks nothing; decline shows "nothing was changed")
 * are unit tested without a browser.
 */
import type { ConsentRequest, JobView, LocalizedText } from '../../../shared/api';

export type CustomerStage = 'welcome' | 'offer' | 'device' | 'progress' | 'done' | 'declined' | 'failed';

export interface CustomerMemory {
  /** The request the customer answered or walked away from (not shown again). */
  settledRequestId: string | null;
  /** The job the customer approved; followed to its end. */
  jobId: string | null;
  /** The customer declined on the kiosk. */
  declined: boolean;
}

export const EMPTY_MEMORY: CustomerMemory = { settledRequestId: null, jobId: null, declined: false };

export function customerStage(memory: CustomerMemory, request: ConsentRequest | null, job: JobView | undefined): CustomerStage {
  if (memory.declined) return 'declined';
  if (memory.jobId) {
    switch (job?.phase) {
      case undefined:
        return 'progress';
      case 'awaiting-consent':
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
  // Only a request handed to this display is shown; an up-to-date phone never has one.
  if (request && request.requestId !== memory.settledRequestId && request.consentMode === 'customer') return 'offer';
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
