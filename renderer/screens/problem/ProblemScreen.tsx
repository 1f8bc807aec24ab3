/**
 * Why the kiosk cannot run: config-error, not-configured, store-error.
 * Meant for the installer, readable from a metre away. No admin entry: admin
 * mode needs a working kiosk. It stands on the public screen, so it names
 * fields and what they need, never a value from the file (the log has them, masked).
 */
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import type { BootInfo } from '../../../preload/contract';
import { Icon } from '../../components/Icon';

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

export function ProblemScreen({ boot }: { boot: BootInfo }) {
  const { t } = useTranslation();
  const problem = boot.problem;
  const state = boot.state;
  return (
    <main className={`screen problem problem--${state}`} data-testid="screen-problem" data-state={state}>
      <div className="problem__kicker" data-testid="problem-kind">
        <Icon name={state === 'not-configured' ? 'info' : 'warning'} />
        <span>{t(`problem.kind.${state}`)}</span>
      </div>
      <h1 className="problem__title" data-testid="problem-title">
        {problem?.title ?? t(`problem.kind.${state}`)}
      </h1>
      {problem?.message ? (
        <p className="problem__message" data-testid="problem-message">
          {problem.message}
        </p>
      ) : null}
      {problem?.file ? (
        <p className="problem__file">
          <span className="problem__label">{t('problem.file')}: </span>
          <code data-testid="problem-file">{problem.file}</code>
        </p>
      ) : null}
      {problem?.howToFix ? (
        <section className="problem__fix">
          <h2>
            <Icon name="info" /> {t('problem.howToFix')}
          </h2>
          <p data-testid="problem-howtofix">{problem.howToFix}</p>
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
                    <td data-testid="issue-expected">{issue.expected}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
      <p className="problem__customers muted">{t('problem.seeAttendant')}</p>
    </main>
  );
}
