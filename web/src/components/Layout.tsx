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
export function Layout({ children, actions, wide }: { children: ComponentChildren; actions?: ComponentChildren; wide?: boolean }) {
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
      <main id="main" tabIndex={-1} class={wide ? 'page wide' : 'page'}>
        {children}
      </main>
    </>
  );
}
