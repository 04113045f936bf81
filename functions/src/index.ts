import './lib/options';

export { health } from './ops/health';
export { purgeExpired } from './ops/purgeExpired';
export { recordConsent } from './consent/record';
export { withdrawConsent } from './consent/withdraw';
export { getIceServers } from './turn/getIceServers';
