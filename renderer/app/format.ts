/** Dates, times and money as customers and attendants read them, in the venue's time zone. */

/** A calendar date ("2025-10-09") in words, e.g. "Thu 9 Oct 2025"; the text as is when it is not a date. */
export function formatDay(isoDate: string, locale: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) return isoDate;
  const date = new Date(`${isoDate}T12:00:00Z`);
  if (Number.isNaN(date.getTime())) return isoDate;
  return new Intl.DateTimeFormat(locale, { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }).format(date);
}

function safeFormat(date: Date, locale: string, options: Intl.DateTimeFormatOptions, timeZone: string | undefined): string {
  try {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(date);
  } catch {
    return new Intl.DateTimeFormat(locale, options).format(date);
  }
}

const dayKey = (date: Date, timeZone: string | undefined) => safeFormat(date, 'en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }, timeZone);

/** A moment: "14:05" when it is today in the venue, else "9 Oct 14:05". */
export function formatMoment(iso: string, locale: string, timeZone: string | undefined, now = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const time = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
  if (dayKey(date, timeZone) === dayKey(now, timeZone)) return safeFormat(date, locale, time, timeZone);
  return safeFormat(date, locale, { ...time, day: 'numeric', month: 'short' }, timeZone);
}

/** "3 min ago", "2 hours ago", "yesterday"… */
export function formatAgo(iso: string, locale: string, now = Date.now()): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '';
  const seconds = Math.round((at - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86_400), 'day');
}

/** "5.00 USD", "Rp 10.000" as Intl formats the currency; "5 XYZ" for a code Intl does not know. */
export function formatMoney(amount: number, currency: string, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: 'code' }).format(amount);
  } catch {
    return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(amount)} ${currency}`;
  }
}

/** Today (YYYY-MM-DD) in a time zone. */
export function todayIn(timeZone: string | undefined, now = new Date()): string {
  return dayKey(now, timeZone);
}
