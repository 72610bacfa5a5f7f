/**
 * The text the customer reads before approving (requirements 9, 12, 14, 17): what will happen,
 * what the kiosk reads from the phone (privacy), warranty, time and risk. Its version is
 * recorded with the answer so the audit shows exactly what was shown.
 */
import { formatMB } from './progress';

export interface ConsentTextInput {
  model: string;
  fromVersion: string;
  toVersion: string;
  sizeBytes: number;
  estimatedSeconds?: number;
  releaseNotes?: string;
}

export function buildConsentText(input: ConsentTextInput): string {
  const minutes = input.estimatedSeconds === undefined ? undefined : Math.max(1, Math.ceil(input.estimatedSeconds / 60));
  return [
    `Update ${input.model} from version ${input.fromVersion} to ${input.toVersion} (${formatMB(input.sizeBytes)}).`,
    minutes === undefined ? 'The phone restarts once during the update.' : `This takes about ${minutes} min; the phone restarts once.`,
    'Privacy: the kiosk reads only the phone model, its software version, battery level and free space. No personal data is read or kept.',
    'Warranty: this is the manufacturer\'s signed, approved software; installing it does not affect the warranty.',
    'Keep the phone connected until it says the update is complete. Your data stays on the phone.',
    input.releaseNotes ? `What is new: ${input.releaseNotes}` : '',
  ]
    .filter((s) => s.length > 0)
    .join('\n');
}

export function buildDeviceConfirmText(toVersion: string): string {
  return `Install software version ${toVersion} now? The phone will restart.`;
}

export function buildCompletionText(toVersion: string): string {
  return `Your phone has been updated to version ${toVersion}.`;
}
