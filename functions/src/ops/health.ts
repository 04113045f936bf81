import { onRequest } from 'firebase-functions/v2/https';

export const health = onRequest({ region: 'southamerica-east1' }, (_req, res) => {
  res.json({ status: 'ok' });
});
