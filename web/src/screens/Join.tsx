import { useEffect, useMemo } from 'preact/hooks';
import { locale, t } from '../i18n';
import { Layout } from '../components/Layout';
import { lazyScreen } from '../components/lazy';
import { ErrorMessage, Loading } from '../components/Status';
import { formatClinicDate, formatClinicTime } from '../clinicTime';
import { createJoin, type Join as JoinModel } from '../state/patient';
import { Consent, Declined } from './Consent';

// Camera, waiting room and call (with Firestore and the call engine) download after consent.
const Lobby = lazyScreen(() => import('./Lobby').then((m) => m.Lobby));

/** /join/{consultId}#k=… — the patient's whole visit. */
export function Join({ consultId }: { consultId: string }) {
  const join = useMemo(() => createJoin(consultId), [consultId]);
  useEffect(() => {
    void join.open();
  }, [join]);
  const phase = join.phase.value;

  if (phase.step === 'lobby') {
    return <Lobby consultId={consultId} uid={join.uid.value!} />;
  }
  return (
    <Layout>
      <div class="patient">
        {phase.step === 'opening' && (
          <section class="card" aria-labelledby="join-title">
            <h1 id="join-title">{t('join.opening')}</h1>
            <Loading label={phase.detail === 'signing-in' ? t('join.signingIn') : t('join.redeeming')} />
          </section>
        )}
        {phase.step === 'invite-problem' && <InviteProblem join={join} message={phase.message || t('join.noKey')} canRetry={phase.canRetry} />}
        {phase.step === 'closed' && (
          <section class="card" aria-labelledby="closed-title" data-screen="closed">
            <h1 id="closed-title">{t('ended.title')}</h1>
            <p class="lead">{t('join.closed')}</p>
          </section>
        )}
        {phase.step === 'consent' && (
          <>
            <Greeting join={join} />
            <Consent join={join} />
          </>
        )}
        {phase.step === 'declined' && <Declined join={join} />}
      </div>
    </Layout>
  );
}

function Greeting({ join }: { join: JoinModel }) {
  const invite = join.invite.value;
  if (!invite) return null;
  const when = new Date(invite.scheduledFor);
  return (
    <p class="greeting">
      <span>{t('join.hello', { label: invite.patientLabel })}</span>
      <span class="muted">{t('join.when', { date: formatClinicDate(when, locale.value), time: formatClinicTime(when, locale.value) })}</span>
    </p>
  );
}

function InviteProblem({ join, message, canRetry }: { join: JoinModel; message: string; canRetry: boolean }) {
  return (
    <section class="card" aria-labelledby="problem-title" data-screen="invite-problem">
      <h1 id="problem-title">{t('join.whatNow')}</h1>
      <ErrorMessage action={canRetry ? <button type="button" class="button primary big" onClick={() => void join.open()}>{t('common.retry')}</button> : undefined}>
        {message}
      </ErrorMessage>
      <p>{t('join.contactClinic')}</p>
    </section>
  );
}
