import type { Timestamp } from 'firebase-admin/firestore';
import type { StoredConsult } from '../consults/store';

/**
 * What ending a consult (by the clinician, a withdrawal or expiry) does to a recording under way:
 * it is off at once, so the patient's page stops showing "Gravando" in the same write. It stays
 * open (not `closed`) so that the clinician's page can still close it with the saved file's hash.
 * Null when nothing is being recorded.
 */
export function recordingCut(consult: StoredConsult, now: Timestamp): { patch: Pick<StoredConsult, 'recording'>; details: { recordingCut: true } } | null {
  const recording = consult.recording;
  if (!recording?.on) return null;
  return { patch: { recording: { ...recording, on: false, stoppedAt: now } }, details: { recordingCut: true } };
}
