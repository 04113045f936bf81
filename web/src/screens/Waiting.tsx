import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n';
import { ErrorMessage, Loading } from '../components/Status';
import type { LobbyModel } from '../state/lobby';

export function Waiting({ lobby }: { lobby: LobbyModel }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const withdraw = () => {
    if (confirm(t('waiting.withdrawConfirm'))) void lobby.withdraw();
  };
  return (
    <section class="card" aria-labelledby="waiting-title" data-screen="waiting">
      <h1 id="waiting-title" tabIndex={-1} ref={heading}>{t('waiting.title')}</h1>
      {lobby.consult.value ? <p class="lead">{t('waiting.body')}</p> : <Loading label={t('waiting.connecting')} />}
      <Loading label={t('call.waitingRemote')} />
      {lobby.error.value && <ErrorMessage>{lobby.error.value}</ErrorMessage>}
      <div class="actions stacked">
        <button type="button" class="button danger big" disabled={lobby.withdrawing.value} aria-busy={lobby.withdrawing.value} onClick={withdraw}>
          {t('waiting.withdraw')}
        </button>
      </div>
    </section>
  );
}
