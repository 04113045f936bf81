import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { ErrorMessage, Loading } from './Status';

/** A screen whose code downloads on first use, with a visible wait and a retry on failure. */
export function lazyScreen<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  return function LazyScreen(props: P) {
    const [, setReady] = useState(false);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (loaded) return;
      let live = true;
      load().then(
        (component) => {
          loaded = component;
          if (live) setReady(true);
        },
        () => live && setFailed(true),
      );
      return () => {
        live = false;
      };
    }, []);
    if (loaded) {
      const Screen = loaded;
      return <Screen {...props} />;
    }
    if (failed) {
      return (
        <main id="main" class="page">
          <ErrorMessage action={<button type="button" class="button" onClick={() => location.reload()}>{t('common.retry')}</button>}>
            {t('error.network')}
          </ErrorMessage>
        </main>
      );
    }
    return <main id="main" class="page"><Loading /></main>;
  };
}
