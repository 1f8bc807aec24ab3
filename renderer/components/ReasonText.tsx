/**
 * Main's reason, said in the screen's language: `reason.<code>` with its
 * values. A code this screen does not know shows main's English text, marked
 * `data-untranslated`. Raw text from outside (`params.detail`: what the hopper
 * driver or the OS said, the server's answer, the attendant's note) stays
 * beneath, marked `data-quoted` too: quoted as it came, not our words.
 */
import type { TFunction, i18n as I18n } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { CodedReason } from '../../preload/contract';
import { localeOf } from '../app/i18n';
import { reasonValues } from './reasonValues';

export interface ReasonWords {
  text: string;
  translated: boolean;
  detail: string | null;
}

export function reasonWords(t: TFunction, i18n: I18n, reason: CodedReason | null | undefined, english: string): ReasonWords {
  if (!reason) return { text: english, translated: false, detail: null };
  const params: Record<string, string | number> = { ...reason.params };
  const key = `reason.${reason.code}`;
  // `count` picks the plural form (a number still); atLeast 1 the wording of a lower bound (`_atLeast`).
  const options: Record<string, string | number> = { ...params, ...(params.atLeast === 1 ? { context: 'atLeast' } : {}) };
  if (!i18n.exists(key, options)) return { text: english, translated: false, detail: null };
  Object.assign(
    options,
    reasonValues(params, localeOf(i18n.resolvedLanguage), (k) => (i18n.exists(k) ? t(k) : null)),
    typeof params.count === 'number' ? { count: params.count } : {},
  );
  const detail = typeof params.detail === 'string' && params.detail !== '' ? params.detail : null;
  return { text: t(key, options), translated: true, detail };
}

export function ReasonText({ reason, english, testId }: { reason: CodedReason | null | undefined; english: string; testId?: string }) {
  const { t, i18n } = useTranslation();
  const words = reasonWords(t, i18n, reason, english);
  return (
    <>
      <span data-testid={testId} data-code={reason?.code} data-untranslated={words.translated ? undefined : 'true'}>
        {words.text}
      </span>
      {words.detail ? (
        <span className="reason__detail muted block" data-testid={testId ? `${testId}-detail` : undefined} data-untranslated="true" data-quoted="true">
          {words.detail}
        </span>
      ) : null}
    </>
  );
}
