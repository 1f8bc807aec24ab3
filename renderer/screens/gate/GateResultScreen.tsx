/**
 * One scan's result, readable from a metre away: colour, icon and words
 * together. VALID asks how many persons enter now (default: all left) and
 * records them with 'gate:admit'; the choice holds the idle reset and, left
 * unanswered, cancels (recording nothing). With one person left there is
 * nothing to ask: that person is admitted at once, through the same
 * 'gate:admit'. Every other result returns to the ready screen by itself. A
 * new scan replaces this screen (see GateService); an unanswered choice is
 * then cancelled. Scanned text is only ever text.
 */
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdmitResult, Result, ScanResult } from '../../../preload/contract';
import { call } from '../../app/call';
import { useBoot, useStatus } from '../../app/contexts';
import { formatAgo, formatDay, formatMoment } from '../../app/format';
import { localeOf } from '../../app/i18n';
import { useHoldIdle } from '../../app/idle';
import type { CustomerScreenProps } from '../../app/modules';
import { useRouter } from '../../app/router';
import { BigButton } from '../../components/BigButton';
import { Icon, type IconName } from '../../components/Icon';
import { GATE_RESULT_ROUTE, nextScanSeq } from './GateService';
import { gateTimings } from './timing';

export type ResultTone = 'ok' | 'test' | 'deny' | 'warn';

/** Above this many persons left, a stepper replaces one button per number. */
export const MAX_PERSON_BUTTONS = 6;

type Phase =
  | { kind: 'result' }
  | { kind: 'recording' }
  | { kind: 'admitted'; persons: number; left: number; test: boolean }
  | { kind: 'cannot-record'; message: string }
  | { kind: 'expired' };

const toneOf = (result: ScanResult): ResultTone => {
  switch (result.kind) {
    case 'valid':
      return result.test ? 'test' : 'ok';
    case 'already-used':
    case 'not-for-attraction':
    case 'withdrawn':
      return 'deny';
    default:
      return 'warn';
  }
};

const iconOf: Record<ScanResult['kind'], IconName> = {
  valid: 'check',
  'already-used': 'cross',
  'not-for-attraction': 'ban',
  'wrong-day': 'calendar',
  unknown: 'help',
  'test-ticket': 'warning',
  withdrawn: 'ban',
  unreadable: 'scan',
};

/** Scans shown (by key) right now; a cleanup that finds its key shown again was a remount, not a leave. */
const shown = new Map<string, number>();

/** One 'gate:admit' per scan admitted without the question, whatever remounts the screen. */
const autoAdmits = new Map<string, Promise<Result<AdmitResult>>>();
function admitOnce(scanId: string): Promise<Result<AdmitResult>> {
  let pending = autoAdmits.get(scanId);
  if (!pending) {
    pending = call('gate:admit', { scanId, persons: 1 });
    autoAdmits.set(scanId, pending);
    void pending.finally(() => window.setTimeout(() => autoAdmits.delete(scanId), 60_000));
  }
  return pending;
}

export function GateResultScreen({ route }: CustomerScreenProps) {
  const { home } = useRouter();
  const params = route.params as { result?: ScanResult; seq?: number } | undefined;
  const result = params?.result;
  useEffect(() => {
    if (!result) home();
  }, [result, home]);
  if (!result) return null;
  return <GateResult key={`${result.scanId}#${params?.seq ?? 0}`} result={result} />;
}

function Line({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="gate-result__line">
      <span className="gate-result__label">{label}</span>
      <span className="gate-result__value" data-testid={testId}>
        {children}
      </span>
    </div>
  );
}

function GateResult({ result }: { result: ScanResult }) {
  const { t, i18n } = useTranslation();
  const boot = useBoot();
  const status = useStatus();
  const { home, navigate } = useRouter();
  const locale = localeOf(i18n.resolvedLanguage);
  const zone = status?.timeZone;
  const { resultMs, choiceMs } = gateTimings(boot);

  // One person left: nothing to ask, admit at once.
  const auto = result.kind === 'valid' && result.left === 1;
  const [phase, setPhase] = useState<Phase>(auto ? { kind: 'recording' } : { kind: 'result' });
  const isChoice = result.kind === 'valid' && phase.kind === 'result';
  const answered = useRef(auto);
  const left = result.kind === 'valid' ? result.left : 0;
  const [persons, setPersons] = useState(left);

  // The choice (and its recording) must not be cut short by the idle reset.
  useHoldIdle(isChoice || phase.kind === 'recording');

  // Leaving with the choice unanswered cancels it: nothing is recorded.
  const scanKey = `${result.scanId}`;
  useEffect(() => {
    shown.set(scanKey, (shown.get(scanKey) ?? 0) + 1);
    return () => {
      shown.set(scanKey, (shown.get(scanKey) ?? 1) - 1);
      window.setTimeout(() => {
        if ((shown.get(scanKey) ?? 0) > 0) return;
        shown.delete(scanKey);
        if (result.kind === 'valid' && !answered.current) {
          answered.current = true;
          void call('gate:cancel', { scanId: result.scanId });
        }
      }, 0);
    };
  }, [scanKey, result]);

  const cancel = useCallback(
    (reason: 'cancel' | 'timeout' = 'cancel') => {
      if (!answered.current) {
        answered.current = true;
        void call('gate:cancel', { scanId: result.scanId, reason });
      }
      home();
    },
    [home, result.scanId],
  );

  // An unanswered choice times out as cancel; every other result returns by itself.
  useEffect(() => {
    if (phase.kind === 'recording') return undefined;
    const timer = window.setTimeout(isChoice ? () => cancel('timeout') : home, isChoice ? choiceMs : resultMs);
    return () => window.clearTimeout(timer);
  }, [phase.kind, isChoice, cancel, home, choiceMs, resultMs]);

  const showOutcome = useCallback(
    (r: Result<AdmitResult>) => {
      if (!r.ok) {
        setPhase({ kind: 'cannot-record', message: r.error.message });
        return;
      }
      const outcome = r.value;
      switch (outcome.status) {
        case 'admitted':
          setPhase({ kind: 'admitted', persons: outcome.persons, left: outcome.left, test: outcome.test });
          break;
        case 'cannot-record':
          setPhase({ kind: 'cannot-record', message: outcome.message });
          break;
        case 'expired':
          setPhase({ kind: 'expired' });
          break;
        case 'changed':
          navigate({ name: GATE_RESULT_ROUTE, params: { result: outcome.result, seq: nextScanSeq() } });
          break;
      }
    },
    [navigate],
  );

  useEffect(() => {
    if (!auto) return undefined;
    let alive = true;
    void admitOnce(result.scanId).then((r) => {
      if (alive) showOutcome(r);
    });
    return () => {
      alive = false;
    };
  }, [auto, result.scanId, showOutcome]);

  const confirm = async () => {
    if (answered.current || result.kind !== 'valid') return;
    answered.current = true;
    setPhase({ kind: 'recording' });
    showOutcome(await call('gate:admit', { scanId: result.scanId, persons }));
  };

  const referenceLine =
    'reference' in result ? (
      <Line label={t('gate.result.reference')} testId="scan-reference">
        <span className="mono">{result.reference}</span>
      </Line>
    ) : null;
  const clockNote = result.clockWarning ? (
    <p className="gate-result__clock" data-testid="scan-clock-warning" role="note">
      <Icon name="clock" /> {t('gate.result.clockWarning')}
    </p>
  ) : null;

  // ---- after the choice: proceed, cannot record, too late ----
  if (phase.kind === 'admitted') {
    return (
      <Frame tone={phase.test ? 'test' : 'ok'} kind="admitted" result={result} icon="arrow" title={t('gate.result.admitted.title')}>
        <p className="gate-result__big" data-testid="admitted-persons" data-persons={phase.persons}>
          {t('gate.result.admitted.persons', { count: phase.persons })}
        </p>
        {phase.test ? <p className="gate-result__test-note">{t('gate.result.valid.testNote')}</p> : null}
        <p className="gate-result__sub" data-testid="admitted-left" data-left={phase.left}>
          {t('gate.result.admitted.left', { count: phase.left })}
        </p>
      </Frame>
    );
  }
  if (phase.kind === 'cannot-record') {
    return (
      <Frame tone="deny" kind="cannot-record" result={result} icon="warning" title={t('gate.result.cannotRecord.title')}>
        <p className="gate-result__big">{t('gate.result.cannotRecord.detail')}</p>
      </Frame>
    );
  }
  if (phase.kind === 'expired') {
    return (
      <Frame tone="warn" kind="expired" result={result} icon="clock" title={t('gate.result.expired.title')}>
        <p className="gate-result__big">{t('gate.result.expired.detail')}</p>
      </Frame>
    );
  }

  if (auto && phase.kind === 'recording') {
    return (
      <Frame tone={toneOf(result)} kind="valid" result={result} icon="check" title={result.kind === 'valid' && result.test ? t('gate.result.valid.testTitle') : t('gate.result.valid.title')}>
        <p className="gate-result__big" data-testid="auto-admitting">
          {t('gate.result.recording')}
        </p>
      </Frame>
    );
  }

  // ---- the scan's result ----
  const tone = toneOf(result);
  switch (result.kind) {
    case 'valid': {
      const recording = phase.kind === 'recording';
      return (
        <Frame
          tone={tone}
          kind="valid"
          result={result}
          icon="check"
          title={result.test ? t('gate.result.valid.testTitle') : t('gate.result.valid.title')}
          subtitle={
            <span data-testid="persons-left" data-left={result.left} data-pax={result.pax}>
              {t('gate.result.leftOf', { count: result.pax, left: result.left })}
            </span>
          }
          layout="split"
          aside={
            <div className="choice" data-testid="person-choice" data-selected={persons}>
              {recording ? null : <div className="choice__timer" data-testid="choice-timer" style={{ animationDuration: `${choiceMs}ms` }} />}
              <p className="choice__question">{t('gate.result.howMany')}</p>
              <PersonPicker left={result.left} value={persons} onChange={setPersons} disabled={recording} />
              <div className="choice__actions">
                <BigButton variant="ghost" icon="cross" testId="choice-cancel" disabled={recording} onClick={() => cancel()}>
                  {t('common.cancel')}
                </BigButton>
                <BigButton variant="primary" icon="arrow" className="choice__confirm" testId="choice-confirm" disabled={recording} onClick={() => void confirm()}>
                  {recording ? t('gate.result.recording') : t('gate.result.confirm', { count: persons })}
                </BigButton>
              </div>
            </div>
          }
        >
          {result.test ? <p className="gate-result__test-note" data-testid="test-ticket-note">{t('gate.result.valid.testNote')}</p> : null}
          {referenceLine}
          <Line label={t('gate.result.bookingDate')} testId="scan-booking-date">
            {formatDay(result.bookingDate, locale)}
          </Line>
          {clockNote}
        </Frame>
      );
    }
    case 'already-used': {
      // Only what is known: this gate's last admission, and whether the server counts persons from elsewhere.
      const gate = result.lastUsedGate ?? t('gate.result.alreadyUsed.anotherGate');
      const time = result.lastUsedAt ? formatMoment(result.lastUsedAt, locale, zone) : null;
      return (
        <Frame tone={tone} kind={result.kind} result={result} icon={iconOf[result.kind]} title={t('gate.result.alreadyUsed.title')}>
          <p className="gate-result__big" data-testid="last-used" data-elsewhere={result.usedElsewhere}>
            {time === null
              ? t('gate.result.alreadyUsed.elsewhere')
              : result.usedElsewhere
                ? t('gate.result.alreadyUsed.hereAndElsewhere', { time, gate })
                : t('gate.result.alreadyUsed.lastUsed', { time, gate })}
          </p>
          {referenceLine}
          <p className="gate-result__sub">{t('gate.result.alreadyUsed.detail', { count: result.pax })}</p>
          {clockNote}
        </Frame>
      );
    }
    case 'not-for-attraction':
      return (
        <Frame tone={tone} kind={result.kind} result={result} icon={iconOf[result.kind]} title={t('gate.result.notForAttraction.title')}>
          <p className="gate-result__big">{t('gate.result.notForAttraction.detail', { attraction: result.attraction })}</p>
          {referenceLine}
          <p className="gate-result__sub">{t('gate.result.seeAttendant')}</p>
          {clockNote}
        </Frame>
      );
    case 'wrong-day':
      return (
        <Frame tone={tone} kind={result.kind} result={result} icon={iconOf[result.kind]} title={t('gate.result.wrongDay.title')}>
          <div className="gate-result__big" data-testid="wrong-day-dates" data-booking={result.bookingDate} data-today={result.today}>
            <p>{t('gate.result.wrongDay.booked', { booking: formatDay(result.bookingDate, locale) })}</p>
            <p>{t('gate.result.wrongDay.today', { today: formatDay(result.today, locale) })}</p>
          </div>
          {referenceLine}
          {clockNote}
        </Frame>
      );
    case 'unknown':
      return (
        <Frame tone={tone} kind={result.kind} result={result} icon={iconOf[result.kind]} title={t('gate.result.unknown.title')}>
          <p className="gate-result__big">{t('gate.result.unknown.detail')}</p>
          {referenceLine}
          <p className="gate-result__sub" data-testid="last-download" data-at={result.lastDownloadAt ?? ''}>
            {result.lastDownloadAt
              ? t('gate.result.unknown.lastDownload', { time: formatMoment(result.lastDownloadAt, locale, zone), ago: formatAgo(result.lastDownloadAt, locale) })
              : t('gate.result.unknown.neverDownloaded')}
          </p>
          {clockNote}
        </Frame>
      );
    case 'test-ticket':
      return (
        <Frame tone={tone} kind={result.kind} result={result} icon={iconOf[result.kind]} title={t('gate.result.testTicket.title')}>
          <p className="gate-result__big">{t('gate.result.testTicket.detail')}</p>
          {referenceLine}
          {clockNote}
        </Frame>
      );
    case 'withdrawn':
      return (
        <Frame tone={tone} kind={result.kind} result={result} icon={iconOf[result.kind]} title={t('gate.result.withdrawn.title')}>
          <p className="gate-result__big">{t('gate.result.withdrawn.detail', { time: formatMoment(result.withdrawnAt, locale, zone) })}</p>
          {referenceLine}
          <p className="gate-result__sub">{t('gate.result.seeAttendant')}</p>
          {clockNote}
        </Frame>
      );
    case 'unreadable':
      return (
        <Frame tone={tone} kind={result.kind} result={result} icon={iconOf[result.kind]} title={t('gate.result.unreadable.title')}>
          <p className="gate-result__big" data-testid="unreadable-reason" data-reason={result.reason}>
            {t(`gate.result.unreadable.reason.${result.reason}`)}
          </p>
          <p className="gate-result__sub">{t('gate.result.tryAgain')}</p>
          {clockNote}
        </Frame>
      );
  }
}

function Frame({
  tone,
  kind,
  result,
  icon,
  title,
  subtitle,
  children,
  layout = 'stack',
  aside,
}: {
  tone: ResultTone;
  kind: string;
  result: ScanResult;
  icon: IconName;
  title: string;
  subtitle?: ReactNode;
  children?: ReactNode;
  layout?: 'stack' | 'split';
  aside?: ReactNode;
}) {
  return (
    <main
      className={`screen gate-result gate-result--${tone} gate-result--${layout}`}
      data-testid="scan-result"
      data-kind={kind}
      data-scan-kind={result.kind}
      data-scan-id={result.scanId}
      data-tone={tone}
      role={tone === 'deny' || tone === 'warn' ? 'alert' : 'status'}
    >
      <div className="gate-result__info">
        <div className="gate-result__head">
          <span className="gate-result__badge">
            <Icon name={icon} className="gate-result__icon" />
          </span>
          <div className="gate-result__titles">
            <h1 className="gate-result__title" data-testid="scan-title">
              {title}
            </h1>
            {subtitle ? <p className="gate-result__subtitle">{subtitle}</p> : null}
          </div>
        </div>
        <div className="gate-result__body">{children}</div>
      </div>
      {aside ? <div className="gate-result__aside">{aside}</div> : null}
    </main>
  );
}

/** Radio buttons (arrow keys move and choose, one tab stop), or a stepper for many persons. */
function PersonPicker({ left, value, onChange, disabled }: { left: number; value: number; onChange(n: number): void; disabled: boolean }) {
  const { t } = useTranslation();
  const group = useRef<HTMLDivElement>(null);
  if (left <= MAX_PERSON_BUTTONS) {
    const choose = (n: number) => {
      onChange(n);
      group.current?.querySelector<HTMLButtonElement>(`[data-persons="${n}"]`)?.focus();
    };
    const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
      let next: number | null = null;
      if (step !== undefined) next = ((value - 1 + step + left) % left) + 1;
      else if (event.key === 'Home') next = 1;
      else if (event.key === 'End') next = left;
      if (next === null || disabled) return;
      event.preventDefault();
      choose(next);
    };
    return (
      <div className="persons" role="radiogroup" aria-label={t('gate.result.howMany')} ref={group} onKeyDown={onKeyDown}>
        {Array.from({ length: left }, (_, i) => i + 1).map((n) => (
          <button
            key={n}
            type="button"
            role="radio"
            aria-checked={value === n}
            aria-label={t('gate.result.persons', { count: n })}
            tabIndex={value === n ? 0 : -1}
            className={`persons__button${value === n ? ' is-selected' : ''}`}
            data-testid={`persons-${n}`}
            data-persons={n}
            disabled={disabled}
            onClick={() => onChange(n)}
          >
            {value === n ? <Icon name="check" className="persons__check" /> : null}
            <span className="persons__number">{n}</span>
          </button>
        ))}
      </div>
    );
  }
  return (
    <div className="persons persons--stepper">
      <button type="button" className="persons__button" data-testid="persons-fewer" aria-label={t('gate.result.fewer')} disabled={disabled || value <= 1} onClick={() => onChange(Math.max(1, value - 1))}>
        −
      </button>
      <span className="persons__value" data-testid="persons-value" aria-live="polite">
        {value}
      </span>
      <button type="button" className="persons__button" data-testid="persons-more" aria-label={t('gate.result.more')} disabled={disabled || value >= left} onClick={() => onChange(Math.min(left, value + 1))}>
        +
      </button>
    </div>
  );
}
