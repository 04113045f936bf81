import { useEffect, useRef } from 'preact/hooks';
import { callReasonText, t, type MessageKey } from '../i18n';
import { ErrorMessage, Loading } from '../components/Status';
import { Video } from '../components/Video';
import { browserFamily } from '../state/browser';
import type { DeviceCheck as DeviceCheckModel, MediaProblem } from '../state/media';

const FIX: Record<ReturnType<typeof browserFamily>, MessageKey> = {
  chrome: 'device.fix.chrome',
  safari: 'device.fix.safari',
  firefox: 'device.fix.firefox',
  samsung: 'device.fix.samsung',
  other: 'device.fix.other',
};

function problemText(problem: MediaProblem): string[] {
  if (problem.reason !== 'permission-denied') return [callReasonText(problem.reason)];
  const fix = t(FIX[browserFamily(navigator.userAgent)]);
  return problem.blocked ? [t('device.blocked'), fix] : [t('device.denied'), fix];
}

/** Camera preview, microphone level and camera choice (the rear one shows the wound). */
export function DeviceCheck({ check, onContinue }: { check: DeviceCheckModel; onContinue: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const problem = check.problem.value;
  const stream = check.stream.value;
  const cameras = check.cameras.value;

  return (
    <section class="card" aria-labelledby="device-title" data-screen="device-check">
      <h1 id="device-title" tabIndex={-1} ref={heading}>{t('device.title')}</h1>
      <p class="lead">{t('device.intro')}</p>
      {check.busy.value && <Loading label={t('device.asking')} />}
      {problem && (
        <ErrorMessage action={<button type="button" class="button primary big" onClick={() => void check.start()}>{t('device.retry')}</button>}>
          {problemText(problem).map((line) => <span key={line} class="block">{line} </span>)}
        </ErrorMessage>
      )}
      <div class="preview">
        <Video stream={stream} muted label={t('device.preview')} testId="preview-video" />
      </div>
      <label for="mic-level">{t('device.micLevel')}</label>
      <meter id="mic-level" min={0} max={1} low={0.15} high={0.9} optimum={0.5} value={check.level.value} aria-describedby="mic-hint" />
      <p id="mic-hint" class="hint">{t('device.micHint')}</p>
      <fieldset>
        <legend>{t('device.camera')}</legend>
        <label class="radio">
          <input type="radio" name="facing" value="user" checked={!check.cameraId.value && check.facing.value === 'user'}
            disabled={check.busy.value} onChange={() => void check.chooseFacing('user')} />
          <span>{t('device.front')}</span>
        </label>
        <label class="radio">
          <input type="radio" name="facing" value="environment" checked={!check.cameraId.value && check.facing.value === 'environment'}
            disabled={check.busy.value} onChange={() => void check.chooseFacing('environment')} />
          <span>{t('device.rear')}</span>
        </label>
        {cameras.length > 2 && (
          <>
            <label for="camera-select">{t('device.camera')}</label>
            <select id="camera-select" value={check.cameraId.value ?? ''} disabled={check.busy.value}
              onChange={(e) => void check.chooseCamera(e.currentTarget.value)}>
              <option value="" disabled>—</option>
              {cameras.map((c) => <option key={c.deviceId} value={c.deviceId}>{c.label}</option>)}
            </select>
          </>
        )}
      </fieldset>
      <div class="sticky-action">
        <button type="button" class="button primary big" disabled={!stream || check.busy.value} onClick={onContinue}>
          {t('device.continue')}
        </button>
      </div>
    </section>
  );
}
