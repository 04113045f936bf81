import { describe, expect, it } from 'vitest';
import { checkScheduledFor } from '../../src/consults/schedule';
import { AppError } from '../../src/lib/errors';
import { parseInput } from '../../src/lib/input';
import { zRedeemInviteRequest, zScheduleConsultRequest } from '../../src/lib/schemas';

const valid = { patientLabel: 'Maria S. (leito 4)', scheduledFor: '2026-11-25T14:30:00-03:00', durationMinutes: 30 };

function reasonOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    return error instanceof AppError ? error.reason : 'not an AppError';
  }
}

describe('the scheduleConsult input', () => {
  it('accepts a label, a date with an offset and a duration, trimming the label', () => {
    expect(parseInput(zScheduleConsultRequest, { ...valid, patientLabel: '  Maria  ' })).toEqual({ ...valid, patientLabel: 'Maria' });
  });

  it.each([
    ['an empty label', { ...valid, patientLabel: '   ' }],
    ['an 81-character label', { ...valid, patientLabel: 'a'.repeat(81) }],
    ['a label with a control character', { ...valid, patientLabel: 'Maria\u0000' }],
    ['a label with a bidi override', { ...valid, patientLabel: 'Maria \u202Eevil' }],
    ['a date without an offset', { ...valid, scheduledFor: '2026-11-25T14:30:00' }],
    ['a day that does not exist', { ...valid, scheduledFor: '2026-02-30T10:00:00-03:00' }],
    ['a 13th month', { ...valid, scheduledFor: '2026-13-01T10:00:00-03:00' }],
    ['a date only', { ...valid, scheduledFor: '2026-11-25' }],
    ['a fractional duration', { ...valid, durationMinutes: 30.5 }],
    ['a duration under 5 minutes', { ...valid, durationMinutes: 4 }],
    ['a duration over 3 hours', { ...valid, durationMinutes: 181 }],
    ['a duration as a string', { ...valid, durationMinutes: '30' }],
    ['an unknown field', { ...valid, clinicianUid: 'someone-else' }],
    ['a missing field', { patientLabel: 'Maria', durationMinutes: 30 }],
  ])('rejects %s as invalid input', (_label, input) => {
    expect(reasonOf(() => parseInput(zScheduleConsultRequest, input))).toBe('invalid_input');
  });

  it('accepts 29 February in a leap year', () => {
    expect(reasonOf(() => parseInput(zScheduleConsultRequest, { ...valid, scheduledFor: '2028-02-29T09:00:00Z' }))).toBeNull();
  });
});

describe('the scheduled time', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  const day = 24 * 60 * 60 * 1000;

  it('may lie up to a day in the past and up to a year ahead', () => {
    expect(reasonOf(() => checkScheduledFor(now - day, now))).toBeNull();
    expect(reasonOf(() => checkScheduledFor(now + 365 * day, now))).toBeNull();
  });

  it('is refused beyond those bounds', () => {
    expect(reasonOf(() => checkScheduledFor(now - day - 1, now))).toBe('invalid_input');
    expect(reasonOf(() => checkScheduledFor(now + 365 * day + 1, now))).toBe('invalid_input');
  });
});

describe('the redeemInvite input', () => {
  it('needs a consult id and a 43-character base64url secret', () => {
    const ok = { consultId: 'AbCdEfGhIjKlMnOpQrSt', secret: 'a'.repeat(43) };
    expect(parseInput(zRedeemInviteRequest, ok)).toEqual(ok);
    expect(reasonOf(() => parseInput(zRedeemInviteRequest, { ...ok, secret: 'a'.repeat(44) }))).toBe('invalid_input');
    expect(reasonOf(() => parseInput(zRedeemInviteRequest, { ...ok, secret: `${'a'.repeat(42)}=` }))).toBe('invalid_input');
    expect(reasonOf(() => parseInput(zRedeemInviteRequest, { ...ok, consultId: '../private/invite!!!' }))).toBe('invalid_input');
  });
});
