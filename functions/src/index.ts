import './lib/options';

export { health } from './ops/health';
export { recordConsent } from './consent/record';
export { withdrawConsent } from './consent/withdraw';
