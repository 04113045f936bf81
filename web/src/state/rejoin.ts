// A call in progress, remembered for this tab only (sessionStorage), so that a reload or a
// reopened tab goes straight back into the call with the same camera and microphone. Storage
// only: the patient's first screens import it without any of the call's code.

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
  const settings = video?.getSettings();
  const facing = settings?.facingMode === 'user' || settings?.facingMode === 'environment' ? settings.facingMode : null;
  const memory: RememberedCall = { uid, videoDeviceId: settings?.deviceId ?? null, facing };
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
