/**
 * The attendant PIN: masked dots, a big pad, OK and Cancel. Shows tries left,
 * a live lockout countdown (asked at open, so a lockout that survived a
 * restart shows at once) and, with no PIN set, how to set one. Left alone it
 * returns to the attract screen like any customer screen (= Cancel).
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LockState, UnlockOutcome } from '../../../preload/contract';
import { call } from '../../app/call';
import { useService } from '../../app/contexts';
import { useRouter } from '../../app/router';
import { BigButton } from '../../components/BigButton';
import { Icon } from '../../components/Icon';
import { Notice } from '../../components/Notice';
import { PinDots, PinPad } from '../../components/PinPad';

const MIN_DIGITS = 4;
const MAX_DIGITS = 12;

type Note = { kind: 'wrong'; triesLeft: number } | { kind: 'again' } | { kind: 'error'; message: string } | null;

type Phase =
  | { kind: 'loading' }
  | { kind: 'ready'; note: Note }
  | { kind: 'checking' }
  | { kind: 'locked'; until: number }
  | { kind: 'no-pin'; howToSet: string };

const lockedUntil = (seconds: number) => performance.now() + seconds * 1000;

export function PinScreen() {
  const { t } = useTranslation();
  const { home, navigate } = useRouter();
  const { reportUnavailable } = useService();
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [digits, setDigits] = useState('');
  const [now, setNow] = useState(() => performance.now());
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const applyLockState = useCallback((state: LockState, note: Note = null) => {
    if (!state.pinSet) setPhase({ kind: 'no-pin', howToSet: state.howToSet ?? '' });
    else if (state.locked && state.retryInSeconds > 0) setPhase({ kind: 'locked', until: lockedUntil(state.retryInSeconds) });
    else setPhase({ kind: 'ready', note });
  }, []);

  const askLockState = useCallback(
    async (note: Note = null) => {
      const result = await call('admin:lock-state', {});
      if (!alive.current) return;
      if (result.ok) applyLockState(result.value, note);
      else if (result.error.code === 'unavailable') reportUnavailable(result.error.message);
      else setPhase({ kind: 'ready', note: { kind: 'error', message: result.error.message } });
    },
    [applyLockState, reportUnavailable],
  );

  useEffect(() => {
    void askLockState();
  }, [askLockState]);

  // Live countdown while locked; when it ends, ask main again.
  const locked = phase.kind === 'locked';
  useEffect(() => {
    if (!locked) return;
    setNow(performance.now());
    const timer = window.setInterval(() => setNow(performance.now()), 250);
    return () => window.clearInterval(timer);
  }, [locked]);
  const secondsLeft = phase.kind === 'locked' ? Math.max(0, Math.ceil((phase.until - now) / 1000)) : 0;
  useEffect(() => {
    if (phase.kind === 'locked' && secondsLeft <= 0) void askLockState({ kind: 'again' });
  }, [phase.kind, secondsLeft, askLockState]);

  const canType = phase.kind === 'ready';
  // Keys typed fast on a physical keyboard arrive faster than renders: the
  // handlers read the PIN and the phase from refs, not from a render's closure,
  // so no digit and no Enter is lost (digits typed while the lock state is
  // still being asked are kept, and an Enter then waits for it).
  const digitsRef = useRef('');
  const phaseRef = useRef<Phase>(phase);
  phaseRef.current = phase;
  const submitWhenReady = useRef(false);
  const setPin = useCallback((next: string) => {
    digitsRef.current = next;
    setDigits(next);
  }, []);
  const addDigit = useCallback(
    (d: string) => {
      const kind = phaseRef.current.kind;
      if ((kind === 'ready' || kind === 'loading') && digitsRef.current.length < MAX_DIGITS) setPin(digitsRef.current + d);
    },
    [setPin],
  );
  const backspace = useCallback(() => setPin(digitsRef.current.slice(0, -1)), [setPin]);
  const clear = useCallback(() => setPin(''), [setPin]);

  const submit = useCallback(async () => {
    if (phaseRef.current.kind === 'loading') {
      submitWhenReady.current = true;
      return;
    }
    if (phaseRef.current.kind !== 'ready' || digitsRef.current.length < MIN_DIGITS) return;
    const pin = digitsRef.current;
    setPin('');
    phaseRef.current = { kind: 'checking' };
    setPhase({ kind: 'checking' });
    const result = await call('admin:unlock', { pin });
    if (!alive.current) return;
    if (!result.ok) {
      if (result.error.code === 'unavailable') reportUnavailable(result.error.message);
      setPhase({ kind: 'ready', note: { kind: 'error', message: result.error.message } });
      return;
    }
    const outcome: UnlockOutcome = result.value;
    switch (outcome.status) {
      case 'unlocked':
        navigate('admin');
        return;
      case 'wrong-pin':
        setPhase({ kind: 'ready', note: { kind: 'wrong', triesLeft: outcome.triesLeft } });
        return;
      case 'locked':
        setPhase({ kind: 'locked', until: lockedUntil(outcome.retryInSeconds) });
        return;
      case 'no-pin':
        setPhase({ kind: 'no-pin', howToSet: outcome.howToSet });
        return;
    }
  }, [navigate, reportUnavailable, setPin]);

  // Once the lock state is known: an Enter typed before it is answered now; digits typed for a locked pad are dropped.
  useEffect(() => {
    if (phase.kind === 'ready' && submitWhenReady.current) {
      submitWhenReady.current = false;
      void submit();
    } else if (phase.kind === 'locked' || phase.kind === 'no-pin') {
      submitWhenReady.current = false;
      if (digitsRef.current !== '') setPin('');
    }
  }, [phase.kind, submit, setPin]);

  // A physical keyboard works too: digits, Backspace, Enter, Escape.
  useLayoutEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.altKey || event.metaKey) return;
      if (/^[0-9]$/.test(event.key)) addDigit(event.key);
      else if (event.key === 'Backspace') backspace();
      else if (event.key === 'Enter') void submit();
      else if (event.key === 'Escape') home();
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [addDigit, backspace, submit, home]);

  if (phase.kind === 'no-pin') {
    return (
      <main className="screen pin-screen pin-screen--no-pin" data-testid="screen-pin" data-phase="no-pin">
        <section className="pin-screen__side">
          <h1 className="pin-screen__title">
            <Icon name="lock" /> {t('pin.noPinTitle')}
          </h1>
          <Notice kind="warning" testId="pin-message">
            {t('pin.noPin')}
          </Notice>
          {/* Main's text (phase.howToSet) is English; the same in this screen's language. */}
          <p className="pin-screen__howto" data-testid="pin-howto">
            {t('pin.howToSet')}
          </p>
          <div className="pin-screen__actions">
            <BigButton icon="cross" testId="pin-cancel" onClick={home}>
              {t('common.back')}
            </BigButton>
          </div>
        </section>
      </main>
    );
  }

  let notice = <Notice kind="info" testId="pin-message">{t('pin.prompt')}</Notice>;
  if (phase.kind === 'checking' || phase.kind === 'loading') {
    notice = <Notice kind="info" testId="pin-message">{t('pin.checking')}</Notice>;
  } else if (phase.kind === 'locked') {
    notice = (
      <Notice kind="locked" testId="pin-message">
        <span data-testid="pin-locked" data-seconds={secondsLeft}>
          {t('pin.locked', { seconds: secondsLeft })}
        </span>
      </Notice>
    );
  } else if (phase.note?.kind === 'wrong') {
    notice = (
      <Notice kind="error" testId="pin-message">
        <span data-testid="pin-wrong" data-tries-left={phase.note.triesLeft}>
          {t('pin.wrong', { count: phase.note.triesLeft })}
        </span>
      </Notice>
    );
  } else if (phase.note?.kind === 'again') {
    notice = <Notice kind="ok" testId="pin-message">{t('pin.unlockedAgain')}</Notice>;
  } else if (phase.note?.kind === 'error') {
    notice = (
      <Notice kind="error" testId="pin-message">
        {t('pin.error')}{' '}
        {/* Only an unexpected failure gets here: main's diagnostic words, after ours. */}
        <span data-untranslated="true" data-quoted="true">
          {phase.note.message}
        </span>
      </Notice>
    );
  }

  return (
    <main className="screen pin-screen" data-testid="screen-pin" data-phase={phase.kind}>
      <section className="pin-screen__side">
        <h1 className="pin-screen__title">
          <Icon name="lock" /> {t('pin.title')}
        </h1>
        <PinDots count={digits.length} max={MAX_DIGITS} />
        {notice}
        <div className="pin-screen__actions">
          <BigButton icon="cross" testId="pin-cancel" onClick={home}>
            {t('common.cancel')}
          </BigButton>
          <BigButton
            icon="check"
            variant="primary"
            testId="pin-ok"
            disabled={!canType || digits.length < MIN_DIGITS}
            onClick={() => void submit()}
          >
            {t('common.ok')}
          </BigButton>
        </div>
      </section>
      <PinPad disabled={!canType} onDigit={addDigit} onBackspace={backspace} onClear={clear} />
    </main>
  );
}
