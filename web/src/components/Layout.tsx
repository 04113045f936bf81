import type { ComponentChildren } from 'preact';
import { locale, setLocale, t } from '../i18n';

export function LanguageSwitch() {
  const next = locale.value === 'en' ? 'pt-BR' : 'en';
  return (
    <button type="button" class="link-button lang" lang={next} aria-label={t('lang.switchLabel')} onClick={() => setLocale(next)}>
      {t('lang.switch')}
    </button>
  );
}

/** Page frame: header with the name and language switch, one main landmark. */
/** `call`: the call fills the window, its controls in view without scrolling. */
export function Layout({ children, actions, wide, call }: { children: ComponentChildren; actions?: ComponentChildren; wide?: boolean; call?: boolean }) {
  return (
    <>
      <a class="skip" href="#main">{t('app.skip')}</a>
      <header class="topbar">
        <span class="brand">{t('app.name')}</span>
        <div class="topbar-actions">
          {actions}
          <LanguageSwitch />
        </div>
      </header>
      <main id="main" tabIndex={-1} class={`page${wide || call ? ' wide' : ''}${call ? ' call-page' : ''}`}>
        {children}
      </main>
    </>
  );
}
