import { setGlobalOptions } from 'firebase-functions/v2';
import { FUNCTIONS_REGION } from './api';

// São Paulo: patients and clinicians are in Brazil, and LGPD favours data kept close.
setGlobalOptions({ region: FUNCTIONS_REGION, maxInstances: 20, memory: '256MiB', timeoutSeconds: 30 });
