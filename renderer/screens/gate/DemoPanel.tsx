/**
 * Demo profile only: "scan" sample codes without a scanner. Each goes through
 * 'demo:scan' into the simulated serial scanner, so it takes the real path.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../app/call';
import { useStatus } from '../../app/contexts';
import { todayIn } from '../../app/format';
import { BigButton } from '../../components/BigButton';
import { Icon } from '../../components/Icon';

/** The demo cloud has tickets 000001… for today; numbers from here on are fresh in a new demo. */
let nextTicket = 1;
let lastValid: string | null = null;

interface Sample {
  id: string;
  labelKey: string;
  code: () => string;
}

export function demoSamples(today: string): Sample[] {
  const day = today.replaceAll('-', '');
  const ticket = (n: number) => `${day}-${String(n).padStart(6, '0')}`;
  return [
    {
      id: 'valid',
      labelKey: 'gate.demo.valid',
      code: () => {
        lastValid = ticket(nextTicket++);
        return lastValid;
      },
    },
    { id: 'again', labelKey: 'gate.demo.again', code: () => lastValid ?? ticket(1) },
    { id: 'qr', labelKey: 'gate.demo.qr', code: () => `https://tickets.example/t/${ticket(nextTicket++)}` },
    { id: 'unknown', labelKey: 'gate.demo.unknown', code: () => ticket(999_999) },
    { id: 'dummy', labelKey: 'gate.demo.dummy', code: () => `${ticket(1)}-dummy` },
    { id: 'garbage', labelKey: 'gate.demo.garbage', code: () => '<b>hello</b> not a ticket' },
  ];
}

export function DemoPanel() {
  const { t } = useTranslation();
  const status = useStatus();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const samples = demoSamples(todayIn(status?.timeZone));

  const scan = async (sample: Sample) => {
    setOpen(false);
    const r = await call('demo:scan', { code: sample.code() });
    setError(r.ok ? null : r.error.message);
  };

  return (
    <div className="demo-panel" data-testid="demo-panel">
      {open ? (
        <div className="demo-panel__sheet" role="dialog" aria-label={t('gate.demo.title')}>
          <p className="demo-panel__title">
            <Icon name="info" /> {t('gate.demo.title')}
          </p>
          <div className="demo-panel__samples">
            {samples.map((s) => (
              <BigButton key={s.id} testId={`demo-scan-${s.id}`} onClick={() => void scan(s)}>
                {t(s.labelKey)}
              </BigButton>
            ))}
          </div>
          <BigButton variant="ghost" icon="cross" testId="demo-close" onClick={() => setOpen(false)}>
            {t('common.cancel')}
          </BigButton>
        </div>
      ) : null}
      <BigButton className="demo-panel__open" icon="scan" testId="demo-open" onClick={() => setOpen((o) => !o)}>
        {t('gate.demo.open')}
      </BigButton>
      {error ? (
        <p className="demo-panel__error" role="alert" data-testid="demo-error">
          {t('gate.demo.failed')}{' '}
          {/* Main's words for what failed (the simulator's pty, the bridge), after ours. */}
          <span data-untranslated="true" data-quoted="true">
            {error}
          </span>
        </p>
      ) : null}
    </div>
  );
}
