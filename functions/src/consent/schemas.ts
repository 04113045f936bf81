import { z } from 'zod';
import type { ConsultRef, RecordConsentRequest } from '../lib/api';
import { zConsultId } from '../lib/input';

export const zRecordConsentRequest = z.strictObject({
  consultId: zConsultId,
  version: z.string().regex(/^\d{4}-\d{2}-\d{2}(?:\.[1-9]\d{0,2})?$/, 'must be a consent version such as 2026-11-01 or 2026-12-02.2'),
  locale: z.enum(['pt-BR', 'en']),
  textHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the consent text (64 lowercase hex digits)'),
  recording: z.boolean(),
}) satisfies z.ZodType<RecordConsentRequest>;

export const zWithdrawConsentRequest = z.strictObject({ consultId: zConsultId }) satisfies z.ZodType<ConsultRef>;
