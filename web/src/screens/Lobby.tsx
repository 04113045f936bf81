import { useEffect, useMemo } from 'preact/hooks';
import { t } from '../i18n';
import { Layout } from '../components/Layout';
import { Loading } from '../components/Status';
import { createLobby } from '../state/lobby';
import { Call } from './Call';
import { ClinicianLine } from './ClinicianLine';
import { DeviceCheck } from './DeviceCheck';
import { Ended } from './Ended';
import { Waiting } from './Waiting';

/** The patient after consent: device check → waiting room → call → end. */
export function Lobby({ consultId, uid }: { consultId: string; uid: string }) {
  const lobby = useMemo(() => createLobby(consultId, uid), [consultId, uid]);
  useEffect(() => {
    void lobby.begin();
    return () => lobby.dispose();
  }, [lobby]);
  const step = lobby.step.value;
  const call = lobby.call.value;

  if (step === 'call' && call) {
    return (
      <Layout call>
        <Call call={call} title={t('call.region')} onLeave={() => void lobby.leaveCall()} connectingLabel={lobby.rejoined.value ? t('call.rejoining') : undefined}
          header={<ClinicianLine clinician={lobby.consult.value?.clinician ?? null} compact />} />
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
