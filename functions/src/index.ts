export { health } from './ops/health';
