/**
 * Why the kiosk cannot run: config-error, not-configured, store-error.
 * Customers first: a large "Out of service, please see the attendant" in the
 * kiosk's language. Below it, for the attendant, what is wrong and how to fix
 * it, worded from the problem's code (main's English only where it has no
 * words here, marked `data-untranslated`). It stands on the public screen, so
 * it names fields and what they need, never a value from the file (the log
 * has them, masked). No admin entry: admin mode needs a working kiosk.
 */
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import type { BootInfo, BootProblem } from '../../../preload/contract';
import { localeOf } from '../../app/i18n';
import { Icon } from '../../components/Icon';
import { expectationWords } from './expectationWords';

/** A dotted field path that may wrap after each dot, never inside a name. */
function BreakAtDots({ text }: { text: string }) {
  const parts = text.split('.');
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 ? '.' : null}
          {i > 0 ? <wbr /> : null}
          {part}
        </Fragment>
      ))}
    </>
  );
}

type T = ReturnType<typeof useTranslation>['t'];

/** errno codes main passes for a data folder it cannot use, in words. */
const FOLDER_REASONS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENOTDIR']);

interface Words {
  title: string;
  message: string;
  howToFix: string;
  /** Main's own message, for the attendant, when the words above are more general. */
  detail: string | null;
  /** Whether the words are this screen's (false: main's English, from a host that sent no code). */
  translated: boolean;
}

function wordsFor(problem: BootProblem, t: T): Words {
  const params = problem.params ?? {};
  const english: Words = { title: problem.title, message: problem.message, howToFix: problem.howToFix, detail: null, translated: false };
  switch (problem.code) {
    case 'config-invalid':
    case 'config-missing':
      return {
        title: t(`problem.code.${problem.code}.title`),
        message: t(`problem.code.${problem.code}.message`, { ...params, count: Number(params.count ?? 0) }),
        howToFix: t(`problem.code.${problem.code}.howToFix`, params),
        detail: null,
        translated: true,
      };
    case 'data-folder': {
      const errno = String(params.errno ?? '');
      const reason = FOLDER_REASONS.has(errno) ? t(`problem.folderReason.${errno}`) : errno;
      return {
        title: t('problem.code.data-folder.title'),
        message: t('problem.code.data-folder.message', { ...params, reason }),
        howToFix: t(errno === 'ENOSPC' ? 'problem.code.data-folder.howToFixFull' : 'problem.code.data-folder.howToFix', params),
        detail: null,
        translated: true,
      };
    }
    case 'store-newer':
    case 'store-corrupt':
    case 'store-backup':
    case 'store-io':
      return {
        title: t(`problem.code.${problem.code}.title`),
        message: t(`problem.code.${problem.code}.message`, params),
        howToFix: t(`problem.code.${problem.code}.howToFix`, params),
        detail: problem.message,
        translated: true,
      };
    default:
      return english;
  }
}

/** Marks text main sent in English: attendant-only, left out of the translation check. */
const untranslated = (yes: boolean) => (yes ? { 'data-untranslated': 'true' } : {});

export function ProblemScreen({ boot }: { boot: BootInfo }) {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
  const problem = boot.problem;
  const state = boot.state;
  const words = problem ? wordsFor(problem, t) : null;
  return (
    <main className={`screen problem problem--${state}`} data-testid="screen-problem" data-state={state}>
      <section className="problem__customer" data-testid="problem-customer" role="alert">
        <Icon name="ban" className="problem__customer-icon" />
        <div>
          <p className="problem__out" data-testid="problem-out-of-service">
            {t('problem.outOfService')}
          </p>
          <p className="problem__see">{t('problem.seeAttendant')}</p>
        </div>
      </section>

      <section className="problem__attendant" data-testid="problem-attendant" aria-label={t('problem.forAttendant')}>
        <div className="problem__attendant-head">
          <span className="problem__for">{t('problem.forAttendant')}</span>
          <span className="problem__kicker" data-testid="problem-kind">
            <Icon name={state === 'not-configured' ? 'info' : 'warning'} />
            <span>{t(`problem.kind.${state}`)}</span>
          </span>
        </div>
        <h1 className="problem__title" data-testid="problem-title" {...untranslated(words !== null && !words.translated)}>
          {words?.title ?? t(`problem.kind.${state}`)}
        </h1>
        {words?.message ? (
          <p className="problem__message" data-testid="problem-message" {...untranslated(!words.translated)}>
            {words.message}
          </p>
        ) : null}
        {problem?.file ? (
          <p className="problem__file">
            <span className="problem__label">{t('problem.file')}: </span>
            <code data-testid="problem-file">{problem.file}</code>
          </p>
        ) : null}
        {words?.howToFix ? (
          <section className="problem__fix">
            <h2>
              <Icon name="info" /> {t('problem.howToFix')}
            </h2>
            <p data-testid="problem-howtofix" {...untranslated(!words.translated)}>
              {words.howToFix}
            </p>
          </section>
        ) : null}
        {problem?.issues && problem.issues.length > 0 ? (
          <section className="problem__issues">
            <h2>{t('problem.issues')}</h2>
            <div className="table-wrap">
              <table className="data-table problem-table" data-testid="problem-issues">
                <thead>
                  <tr>
                    <th>{t('problem.field')}</th>
                    <th>{t('problem.expected')}</th>
                  </tr>
                </thead>
                <tbody>
                  {problem.issues.map((issue, i) => (
                    <tr key={`${issue.field}-${i}`} data-testid="problem-issue" data-field={issue.field}>
                      <td className="mono problem-table__field" data-testid="issue-field">
                        <BreakAtDots text={issue.field} />
                      </td>
                      {/* What the field expects, in the screen's language (main's English from an older host). */}
                      <td data-testid="issue-expected" data-kind={issue.expectedCoded?.kind} {...untranslated(!issue.expectedCoded)}>
                        {issue.expectedCoded ? expectationWords(issue.expectedCoded, t, locale) : issue.expected}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        ) : null}
        {words?.detail ? (
          <section className="problem__detail">
            <h2>{t('problem.detail')}</h2>
            <p data-testid="problem-detail" data-untranslated="true" data-quoted="true">
              {words.detail}
            </p>
          </section>
        ) : null}
      </section>
    </main>
  );
}
