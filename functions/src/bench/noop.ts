import { z } from 'zod';
import { callable } from '../lib/callable';
import { zConsultId } from '../lib/input';

/**
 * The baseline of `npm run bench`: a callable with the same caller check and input edge as
 * getIceServers but no work, so their latency ratio shows what credential minting costs.
 * Exists only in the emulator; a deploy never sees it.
 */
export const benchNoop =
  process.env.FUNCTIONS_EMULATOR === 'true'
    ? callable('benchNoop', z.strictObject({ consultId: zConsultId }), 'signed-in', async ({ data }) => ({ consultId: data.consultId }))
    : undefined;
