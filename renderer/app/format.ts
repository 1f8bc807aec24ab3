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

/**
 * How people where a currency is used write its amounts, whatever the
 * screen's language: "Rp 5.000" (rupiah have no decimals in practice), "$5.00".
 */
const CURRENCY_STYLES: Readonly<Record<string, { locale: string; wholeOnly?: boolean }>> = {
  IDR: { locale: 'id-ID', wholeOnly: true },
  USD: { locale: 'en-US' },
  SGD: { locale: 'en-SG' },
  MYR: { locale: 'ms-MY' },
  EUR: { locale: 'de-DE' },
  AUD: { locale: 'en-AU' },
};

/** "Rp 5.000", "$5.00", "€5,00"; a currency without a style here as Intl writes it in the screen's language; "5 XYZ" for a code Intl does not know. */
export function formatMoney(amount: number, currency: string, locale: string): string {
  const code = currency.toUpperCase();
  const style = CURRENCY_STYLES[code];
  const digits = style?.wholeOnly && Number.isInteger(amount) ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {};
  try {
    return new Intl.NumberFormat(style?.locale ?? locale, { style: 'currency', currency: code, currencyDisplay: 'narrowSymbol', ...digits }).format(amount);
  } catch {
    return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(amount)} ${currency}`;
  }
}

/**
 * A log line with its leading timestamp ("[2025-10-09 07:05:01.123+00:00]")
 * written in the venue's time zone ("[2025-10-09 14:05:01]"); other lines as they are.
 */
export function logLineInZone(line: string, timeZone: string | undefined): string {
  const m = /^\[(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d{1,3})?([+-]\d{2}:?\d{2}|Z)?\]/.exec(line);
  if (!m || !m[4]) return line;
  const offset = m[4] === 'Z' ? 'Z' : m[4].includes(':') ? m[4] : `${m[4].slice(0, 3)}:${m[4].slice(3)}`;
  const at = new Date(`${m[1]}T${m[2]}${m[3] ?? ''}${offset}`);
  if (Number.isNaN(at.getTime())) return line;
  const parts = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' } as const;
  let text: string;
  try {
    text = new Intl.DateTimeFormat('sv-SE', { ...parts, timeZone }).format(at);
  } catch {
    return line;
  }
  return `[${text}]${line.slice(m[0].length)}`;
}

/** Today (YYYY-MM-DD) in a time zone. */
export function todayIn(timeZone: string | undefined, now = new Date()): string {
  return dayKey(now, timeZone);
}
