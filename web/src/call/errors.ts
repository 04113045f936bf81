// Every way a call can fail, as a reason the UI can explain (and a next step it can offer).

export type CallErrorReason =
  | 'permission-denied'
  | 'no-device'
  | 'device-busy'
  | 'unsupported-browser'
  | 'signaling-denied'
  | 'consult-ended'
  | 'turn-credentials-rejected'
  | 'ice-failed'
  | 'network';

export class CallError extends Error {
  override readonly name = 'CallError';
  constructor(
    readonly reason: CallErrorReason,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }

  /** Maps a getUserMedia failure (a DOMException by name) to a reason. */
  static fromMediaError(error: unknown): CallError {
    const name = (error as { name?: unknown } | null)?.name;
    switch (name) {
      case 'NotAllowedError':
      case 'SecurityError':
      case 'PermissionDeniedError':
        return new CallError('permission-denied', 'Camera or microphone permission was denied.', error);
      case 'NotFoundError':
      case 'OverconstrainedError':
      case 'DevicesNotFoundError':
        return new CallError('no-device', 'No camera or microphone matches what was asked for.', error);
      case 'NotReadableError':
      case 'TrackStartError':
      case 'AbortError':
        return new CallError('device-busy', 'The camera or microphone is in use by another application.', error);
      case 'TypeError':
        return new CallError('unsupported-browser', 'This browser cannot capture camera and microphone here.', error);
      default:
        return new CallError('no-device', 'The camera or microphone could not be started.', error);
    }
  }

  static unsupported(what: string): CallError {
    return new CallError('unsupported-browser', `This browser lacks ${what}.`);
  }
}
