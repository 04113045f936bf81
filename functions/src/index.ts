import './lib/options';
import { warmOnStart } from './lib/warm';

export { health } from './ops/health';
export { purgeExpired } from './ops/purgeExpired';
export { anchorAuditChains } from './audit/anchorDaily';
export { beforeAccountCreated } from './auth/signUp';
export { recordConsent } from './consent/record';
export { withdrawConsent } from './consent/withdraw';
export { scheduleConsult } from './consults/schedule';
export { cancelConsult } from './consults/cancel';
export { rescheduleConsult } from './consults/reschedule';
export { announceDelay } from './consults/delay';
export { reissueInvite } from './consults/reissue';
export { redeemInvite } from './consults/redeem';
export { identifyPatient } from './record/identify';
export { confirmIdentity } from './record/confirm';
export { saveRecord } from './record/save';
export { photoEvent } from './media/photo';
export { setRecording } from './media/recording';
export { admitPatient } from './consults/admit';
export { endConsult } from './consults/end';
export { benchNoop } from './bench/noop';
export { getIceServers } from './turn/getIceServers';

void warmOnStart();
