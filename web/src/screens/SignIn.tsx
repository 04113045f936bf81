import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n';
import { Layout } from '../components/Layout';
import { ErrorMessage, Loading } from '../components/Status';
import { signInClinician, signOut, type Session } from '../state/auth';
import { describeError } from '../state/errors';
import { codeProblem, secondFactorOf, type SecondFactor } from '../state/secondFactor';

const isClinician = (s: Session) => s.role === 'clinician' || s.role === 'admin';

export function SignIn({ notClinician = false }: { notClinician?: boolean }) {
  const email = useSignal('');
  const password = useSignal('');
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  const factor = useSignal<SecondFactor | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy.value) return;
    busy.value = true;
    error.value = null;
    try {
      const s = await signInClinician(email.value, password.value);
      if (!isClinician(s)) error.value = t('signin.notClinician');
    } catch (err) {
      // The password was right; the account also wants a code by SMS.
      const second = secondFactorOf(err);
      if (second) factor.value = second;
      else error.value = describeError(err);
    } finally {
      busy.value = false;
    }
  };

  if (factor.value) {
    return (
      <Layout>
        <CodeStep
          factor={factor.value}
          onBack={() => {
            factor.value = null;
            password.value = '';
          }}
          onSignedIn={(s) => {
            if (!isClinician(s)) {
              factor.value = null;
              error.value = t('signin.notClinician');
            }
          }}
        />
      </Layout>
    );
  }

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

function problemText(err: unknown): string {
  const problem = codeProblem(err);
  if (problem === 'wrong') return t('signin.codeWrong');
  if (problem === 'expired') return t('signin.codeExpired');
  if (problem === 'not-sent') return t('signin.codeNotSent');
  return describeError(err);
}

/** The code sent by SMS: sent as the step opens, again on request; confirmed with the form. */
function CodeStep({ factor, onBack, onSignedIn }: { factor: SecondFactor; onBack: () => void; onSignedIn: (s: Session) => void }) {
  const code = useSignal('');
  const sending = useSignal(true);
  const checking = useSignal(false);
  const error = useSignal<string | null>(null);
  const guard = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);

  const send = async () => {
    if (!guard.current) return;
    sending.value = true;
    error.value = null;
    try {
      await factor.send(guard.current);
      input.current?.focus();
    } catch (err) {
      error.value = problemText(err);
    } finally {
      sending.value = false;
    }
  };

  useEffect(() => {
    void send();
  }, [factor]);

  const confirm = async (event: Event) => {
    event.preventDefault();
    if (checking.value || sending.value) return;
    checking.value = true;
    error.value = null;
    try {
      onSignedIn(await factor.confirm(code.value));
    } catch (err) {
      error.value = problemText(err);
      input.current?.select();
    } finally {
      checking.value = false;
    }
  };

  return (
    <section class="card narrow" aria-labelledby="code-title" data-screen="second-factor">
      <h1 id="code-title">{t('signin.codeTitle')}</h1>
      {sending.value ? <Loading label={t('signin.codeSending')} /> : <p class="muted" aria-live="polite">{t('signin.codeSent', { phone: factor.phone })}</p>}
      <form onSubmit={confirm}>
        <label for="code">{t('signin.code')}</label>
        <input id="code" ref={input} name="code" type="text" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]{6,8}" maxLength={8}
          required value={code.value} onInput={(e) => (code.value = e.currentTarget.value)} />
        {error.value && <ErrorMessage>{error.value}</ErrorMessage>}
        <button type="submit" class="button primary big" disabled={checking.value || sending.value} aria-busy={checking.value}>
          {checking.value ? t('signin.codeChecking') : t('signin.codeSubmit')}
        </button>
        <div class="code-actions">
          <button type="button" class="link-button" disabled={sending.value} onClick={() => void send()}>{t('signin.codeResend')}</button>
          <button type="button" class="link-button" onClick={onBack}>{t('signin.codeBack')}</button>
        </div>
      </form>
      <div ref={guard} />
    </section>
  );
}
