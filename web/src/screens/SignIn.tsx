import { useSignal } from '@preact/signals';
import { t } from '../i18n';
import { Layout } from '../components/Layout';
import { ErrorMessage } from '../components/Status';
import { signInClinician, signOut } from '../state/auth';
import { describeError } from '../state/errors';

export function SignIn({ notClinician = false }: { notClinician?: boolean }) {
  const email = useSignal('');
  const password = useSignal('');
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy.value) return;
    busy.value = true;
    error.value = null;
    try {
      const s = await signInClinician(email.value, password.value);
      if (s.role !== 'clinician' && s.role !== 'admin') error.value = t('signin.notClinician');
    } catch (err) {
      error.value = describeError(err);
    } finally {
      busy.value = false;
    }
  };

  return (
    <Layout>
      <section class="card narrow" aria-labelledby="signin-title">
        <h1 id="signin-title">{t('signin.title')}</h1>
        <p class="muted">{t('signin.intro')}</p>
        {notClinician && (
          <ErrorMessage action={<button type="button" class="button secondary" onClick={() => void signOut()}>{t('signout')}</button>}>
            {t('signin.notClinician')}
          </ErrorMessage>
        )}
        <form onSubmit={submit} noValidate={false}>
          <label for="email">{t('signin.email')}</label>
          <input id="email" name="email" type="email" autoComplete="username" required value={email.value}
            onInput={(e) => (email.value = e.currentTarget.value)} />
          <label for="password">{t('signin.password')}</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required value={password.value}
            onInput={(e) => (password.value = e.currentTarget.value)} />
          {error.value && <ErrorMessage>{error.value}</ErrorMessage>}
          <button type="submit" class="button primary" disabled={busy.value} aria-busy={busy.value}>
            {busy.value ? t('signin.submitting') : t('signin.submit')}
          </button>
        </form>
      </section>
    </Layout>
  );
}
