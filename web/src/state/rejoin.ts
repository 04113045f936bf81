// A call in progress, remembered for this tab only (sessionStorage), so that a reload or a
// reopened tab goes straight back into the call with the same camera and microphone.
import { acquireMedia, facingOf } from '../call/media';
import { CallError } from '../call/errors';

const KEY_PREFIX = 'tc.call.';

export interface RememberedCall {
  uid: string;
  videoDeviceId: string | null;
  facing: 'user' | 'environment' | null;
}

function isRemembered(value: unknown): value is RememberedCall {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['uid'] === 'string' &&
    (v['videoDeviceId'] === null || typeof v['videoDeviceId'] === 'string') &&
    (v['facing'] === null || v['facing'] === 'user' || v['facing'] === 'environment')
  );
}

/** Called while in the call (and again as the page goes): which devices to reopen. */
export function rememberCall(consultId: string, uid: string, stream: MediaStream | null | undefined): void {
  const video = stream?.getVideoTracks()[0];
  const memory: RememberedCall = { uid, videoDeviceId: video?.getSettings().deviceId ?? null, facing: facingOf(video) };
  try {
    sessionStorage.setItem(KEY_PREFIX + consultId, JSON.stringify(memory));
  } catch {
    // Storage refused (private mode quota): a reload then goes through the device check.
  }
}

export function rememberedCall(consultId: string, uid: string): RememberedCall | null {
  try {
    const raw = sessionStorage.getItem(KEY_PREFIX + consultId);
    const parsed: unknown = raw ? JSON.parse(raw) : null;
    return isRemembered(parsed) && parsed.uid === uid ? parsed : null;
  } catch {
    return null;
  }
}

/** Left on purpose, or the consult is over: the next visit starts with the device check. */
export function forgetCall(consultId: string): void {
  try {
    sessionStorage.removeItem(KEY_PREFIX + consultId);
  } catch {
    // Nothing to forget.
  }
}

/**
 * The same devices as before the reload, without asking where the browser still grants them.
 * A camera that is gone is replaced by one facing the same way; a refusal is thrown (CallError).
 */
export async function reopenDevices(memory: RememberedCall): Promise<MediaStream> {
  if (memory.videoDeviceId) {
    try {
      return await acquireMedia({ deviceId: memory.videoDeviceId });
    } catch (err) {
      if (err instanceof CallError && (err.reason === 'permission-denied' || err.reason === 'unsupported-browser')) throw err;
    }
  }
  return acquireMedia({ facingMode: memory.facing ?? 'user' });
}
