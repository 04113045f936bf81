import { useSignal } from '@preact/signals';
import { useEffect, useMemo } from 'preact/hooks';
import type { PhotoAsk } from '../call/photo';
import { doc, getDoc } from 'firebase/firestore';
import { PHOTO_CONSENT_VERSION, consentVersionAtLeast, type ConsentDoc } from '../../../functions/src/lib/model';
import { db } from '../db';
import { t } from '../i18n';
import { Layout } from '../components/Layout';
import { Loading } from '../components/Status';
import { createLobby } from '../state/lobby';
import { Call } from './Call';
import { ClinicianLine } from './ClinicianLine';
import { DeviceCheck } from './DeviceCheck';
import { Ended } from './Ended';
import { Waiting } from './Waiting';
import { PhotoCapture } from './PhotoCapture';
import { RecordingIndicator } from './mediaText';

/** The patient after consent: device check → waiting room → call → end. */
export function Lobby({ consultId, uid }: { consultId: string; uid: string }) {
  const lobby = useMemo(() => createLobby(consultId, uid), [consultId, uid]);
  useEffect(() => {
    void lobby.begin();
    return () => lobby.dispose();
  }, [lobby]);
  const step = lobby.step.value;
  const call = lobby.call.value;
  // The photo view: for the clinician's ask (it opens by itself), or one the patient sends unprompted.
  const capture = useSignal<{ ask: PhotoAsk | null } | null>(null);
  // A patient whose consent predates the photo clause is not offered to send one (the clinic could not keep it).
  const photosAllowed = useSignal(false);
  useEffect(() => {
    void getDoc(doc(db, 'consults', consultId, 'consents', uid))
      .then((snap) => {
        const version = (snap.data() as ConsentDoc | undefined)?.textVersion;
        photosAllowed.value = !!version && consentVersionAtLeast(version, PHOTO_CONSENT_VERSION);
      })
      .catch(() => undefined);
  }, [consultId, uid]);
  const pendingAsk = call?.photoAsks.value.find((a) => a.state === 'asked') ?? null;
  useEffect(() => {
    if (pendingAsk && !capture.value) capture.value = { ask: pendingAsk };
  }, [pendingAsk?.id, capture.value]);

  if (step === 'call' && call) {
    const shot = capture.value;
    return (
      <Layout call>
        <Call call={call} title={t('call.region')} onLeave={() => void lobby.leaveCall()} connectingLabel={lobby.rejoined.value ? t('call.rejoining') : undefined}
          header={<ClinicianLine clinician={lobby.consult.value?.clinician ?? null} compact />}
          extra={<RecordingIndicator on={lobby.consult.value?.recording?.on === true} />}
          tools={!shot && photosAllowed.value && call.state.value === 'connected' && (
            <button type="button" class="button" data-testid="photo-own" onClick={() => (capture.value = { ask: null })}>{t('photo.sendOwn')}</button>
          )}
          cover={shot && <PhotoCapture key={shot.ask?.id ?? 'own'} call={call} ask={shot.ask} onClose={() => (capture.value = null)} />} />
      </Layout>
    );
  }
  return (
    <Layout>
      <div class="patient">
        {step === 'rejoining' && (
          <section class="card" data-screen="rejoining" aria-busy="true">
            <h1>{t('call.rejoining')}</h1>
            <Loading label={t('call.rejoiningDevices')} />
          </section>
        )}
        {step === 'devices' && <DeviceCheck check={lobby.devices} onContinue={lobby.confirmDevices} />}
        {step === 'waiting' && <Waiting lobby={lobby} />}
        {(step === 'left' || step === 'ended') && <Ended lobby={lobby} />}
      </div>
    </Layout>
  );
}
