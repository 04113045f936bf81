import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n';
import type { LobbyModel } from '../state/lobby';

export function Ended({ lobby }: { lobby: LobbyModel }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const left = lobby.step.value === 'left';
  const withdrawn = lobby.consult.value?.patientProgress === 'withdrawn' || lobby.consult.value?.endReason === 'consent_withdrawn';
  return (
    <section class="card" aria-labelledby="ended-title" data-screen={left ? 'left' : 'ended'}>
      <h1 id="ended-title" tabIndex={-1} ref={heading}>{left ? t('ended.left') : t('ended.title')}</h1>
      <p class="lead">{withdrawn ? t('ended.withdrawn') : t('ended.body')}</p>
      {left && (
        <button type="button" class="button primary big" onClick={() => void lobby.rejoin()}>{t('ended.rejoin')}</button>
      )}
    </section>
  );
}
