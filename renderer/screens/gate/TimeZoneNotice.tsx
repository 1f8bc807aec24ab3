/** The warning that the last download's ticket dates suggest another time zone (gate page and overview). */
import { useTranslation } from 'react-i18next';
import type { TimeZoneHint } from '../../../preload/contract';
import { localeOf } from '../../app/i18n';
import { Notice } from '../../components/Notice';

/** A calendar date (YYYY-MM-DD) as people write it in `locale`. */
function formatDay(date: string, locale: string): string {
  const at = Date.parse(`${date}T00:00:00Z`);
  return Number.isNaN(at) ? date : new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(at);
}

export function TimeZoneNotice({ hint, testId }: { hint: TimeZoneHint; testId: string }) {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
  const num = (n: number) => n.toLocaleString(locale);
  return (
    <Notice kind="warning" testId={testId}>
      <span data-direction={hint.direction}>
        {t(`gate.admin.timeZoneHint.${hint.direction}`, {
          tickets: num(hint.tickets),
          around: num(hint.around),
          todayPart:
            hint.todayTickets === 0 ? t('gate.admin.timeZoneHint.todayNone') : t('gate.admin.timeZoneHint.todaySome', { n: num(hint.todayTickets) }),
          date: formatDay(hint.date, locale),
          today: formatDay(hint.today, locale),
          timeZone: hint.timeZone,
        })}
      </span>
    </Notice>
  );
}
