// Dates as the clinic sees them: every time is entered and shown in America/Sao_Paulo,
// whatever the device's own time zone is.
export const CLINIC_TIME_ZONE = 'America/Sao_Paulo';

const partsFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: CLINIC_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function wallTimeOf(instant: Date): WallTime & { second: number } {
  const get = (type: string) => Number(partsFormat.formatToParts(instant).find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** Offset of the clinic's zone from UTC at an instant, in minutes (São Paulo today: -180). */
export function clinicOffsetMinutes(instant: Date): number {
  const w = wallTimeOf(instant);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

function pad(n: number): string {
  return String(Math.abs(n)).padStart(2, '0');
}

/**
 * The ISO 8601 instant (with the clinic's offset) of a date ("2026-11-25") and time ("14:30")
 * typed in the clinic's zone. Returns null for malformed input.
 */
export function clinicWallTimeToIso(date: string, time: string): string | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const tm = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !tm) return null;
  const [year, month, day, hour, minute] = [d[1], d[2], d[3], tm[1], tm[2]].map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  const guessUtc = Date.UTC(year, month - 1, day, hour, minute);
  // Two passes settle the offset even on a day the zone changes it.
  let offset = clinicOffsetMinutes(new Date(guessUtc));
  offset = clinicOffsetMinutes(new Date(guessUtc - offset * 60_000));
  const sign = offset <= 0 ? '-' : '+';
  return `${date}T${time}:00${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

/** The clinic's wall date ("2026-11-25") and time ("14:30") of an instant: what the forms show. */
export function clinicWallTimeOf(instant: Date): { date: string; time: string } {
  const w = wallTimeOf(instant);
  return { date: `${w.year}-${pad(w.month)}-${pad(w.day)}`, time: `${pad(w.hour)}:${pad(w.minute)}` };
}

/** Today's date and the next whole half hour, in the clinic's zone, for the schedule form. */
export function defaultSlot(now: Date = new Date()): { date: string; time: string } {
  return clinicWallTimeOf(new Date(Math.ceil((now.getTime() + 5 * 60_000) / 1_800_000) * 1_800_000));
}

export function formatClinicDate(instant: Date, locale: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone: CLINIC_TIME_ZONE, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }).format(instant);
}

export function formatClinicTime(instant: Date, locale: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone: CLINIC_TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant);
}
