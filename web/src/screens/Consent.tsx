import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { locale, t } from '../i18n';
import { Markdown } from '../components/Markdown';
import { ErrorMessage, Loading } from '../components/Status';
import type { Join } from '../state/patient';

/** The versioned consent text, an explicit accept, an optional recording consent, and a way out. */
export function Consent({ join }: { join: Join }) {
  const accepted = useSignal(false);
  const recording = useSignal(false);
  const tried = useSignal(false);
  const lang = locale.value;
  useEffect(() => {
    void join.showConsent();
  }, [join, lang]);
  const text = join.consent.value;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const submit = (event: Event) => {
    event.preventDefault();
    tried.value = true;
    if (!accepted.value) return;
    void join.accept(recording.value);
  };

  return (
    <section class="card consent" aria-labelledby="consent-title" data-screen="consent" data-invite-ready={String(join.invite.value !== null)}>
      <h1 id="consent-title" tabIndex={-1} ref={heading}>{t('consent.title')}</h1>
      <p class="muted">{t('consent.intro')}</p>
      {!text || text.locale !== lang ? (
        join.consentError.value ? (
          <ErrorMessage action={<button type="button" class="button primary big" onClick={() => void join.showConsent()}>{t('common.retry')}</button>}>
            {join.consentError.value}
          </ErrorMessage>
        ) : (
          <Loading label={t('consent.loadingText')} />
        )
      ) : (
        <>
          <div class="consent-text" tabIndex={0} role="region" aria-label={t('consent.title')} lang={text.locale}>
            <Markdown source={text.text} />
          </div>
          <form onSubmit={submit}>
            <label class="check">
              <input type="checkbox" name="accept" checked={accepted.value} onChange={(e) => (accepted.value = e.currentTarget.checked)}
                aria-describedby={tried.value && !accepted.value ? 'accept-needed' : undefined} />
              <span>{t('consent.accept')}</span>
            </label>
            <label class="check">
              <input type="checkbox" name="recording" checked={recording.value} onChange={(e) => (recording.value = e.currentTarget.checked)} />
              <span>{t('consent.recording')}</span>
            </label>
            {tried.value && !accepted.value && <p id="accept-needed" class="error-text" role="alert">{t('consent.mustAccept')}</p>}
            {join.consentError.value && <ErrorMessage>{join.consentError.value}</ErrorMessage>}
            <p class="muted small">{t('consent.version', { version: text.version })}</p>
            <div class="actions stacked">
              <button type="submit" class="button primary big" disabled={join.saving.value} aria-busy={join.saving.value}>
                {join.saving.value ? t('consent.saving') : t('consent.continue')}
              </button>
              <button type="button" class="button secondary big" disabled={join.saving.value} onClick={join.decline}>
                {t('consent.decline')}
              </button>
            </div>
          </form>
        </>
      )}
    </section>
  );
}

export function Declined({ join }: { join: Join }) {
  return (
    <section class="card" aria-labelledby="declined-title" data-screen="declined">
      <h1 id="declined-title">{t('declined.title')}</h1>
      <p class="lead">{t('declined.body')}</p>
      <p>{t('join.contactClinic')}</p>
      <button type="button" class="button primary big" onClick={join.review}>{t('declined.review')}</button>
    </section>
  );
}
