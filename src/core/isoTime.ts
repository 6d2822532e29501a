/**
 * A time as Date#toISOString writes it (UTC, milliseconds, `Z`), computed
 * without a Date: the first toISOString of a process initialises V8's time
 * zone data (it reads /etc/localtime), 0.7-1.2 ms of every create here, for
 * a UTC string that needs none of it (docs/performance.md).
 */

const DAY = 86_400_000;
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** `ms` since the epoch as YYYY-MM-DDTHH:mm:ss.sssZ; outside years 0-9999, Date's own expanded form. */
export function isoTime(ms: number): string {
  const t = Math.trunc(ms); // as Date's TimeClip
  const days = Math.floor(t / DAY);
  const inDay = t - days * DAY;
  // Days to a civil date (proleptic Gregorian), by eras of 400 years: H. Hinnant's civil_from_days.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (!Number.isFinite(t) || year < 0 || year > 9999) return new Date(t).toISOString(); // throws as Date does for NaN
  const h = Math.floor(inDay / 3_600_000);
  const m = Math.floor(inDay / 60_000) % 60;
  const s = Math.floor(inDay / 1000) % 60;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(inDay % 1000, 3)}Z`;
}
