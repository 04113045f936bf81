import './lib/options';

export { health } from './ops/health';
