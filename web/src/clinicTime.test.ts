import { describe, expect, it } from 'vitest';
import { clinicOffsetMinutes, clinicWallTimeToIso, defaultSlot, formatClinicTime } from './clinicTime';

describe('clinic time (America/Sao_Paulo)', () => {
  it('turns a date and time typed in São Paulo into an ISO instant with its offset', () => {
    const iso = clinicWallTimeToIso('2026-11-25', '14:30');
    expect(iso).toBe('2026-11-25T14:30:00-03:00');
    expect(new Date(iso!).toISOString()).toBe('2026-11-25T17:30:00.000Z');
  });

  it('uses the summer-time offset São Paulo had before 2019', () => {
    expect(clinicOffsetMinutes(new Date('2018-01-15T12:00:00Z'))).toBe(-120);
    expect(clinicWallTimeToIso('2018-01-15', '10:00')).toBe('2018-01-15T10:00:00-02:00');
  });

  it('rejects malformed dates and times', () => {
    expect(clinicWallTimeToIso('25/11/2026', '14:30')).toBeNull();
    expect(clinicWallTimeToIso('2026-11-25', '25:00')).toBeNull();
    expect(clinicWallTimeToIso('2026-13-01', '10:00')).toBeNull();
  });

  it('shows instants in the clinic zone whatever the device zone is', () => {
    expect(formatClinicTime(new Date('2026-11-25T17:30:00Z'), 'pt-BR')).toBe('14:30');
  });

  it('offers the next half hour, at least five minutes ahead, as the default slot', () => {
    expect(defaultSlot(new Date('2026-11-25T17:27:00Z'))).toEqual({ date: '2026-11-25', time: '15:00' });
    expect(defaultSlot(new Date('2026-11-25T17:10:00Z'))).toEqual({ date: '2026-11-25', time: '14:30' });
  });
});
