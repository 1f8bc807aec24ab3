/** The gate's part of the attract screen: "Scan your ticket" for this attraction, and test mode when on. */
import { useTranslation } from 'react-i18next';
import { Icon } from '../../components/Icon';
import { useGateStatus } from './useGateStatus';

export function GateReady() {
  const { t } = useTranslation();
  const status = useGateStatus();
  return (
    <div className="gate-ready" data-testid="gate-ready" data-attraction={status?.attraction ?? ''} data-test-mode={status?.testMode ? 'on' : 'off'}>
      {status?.testMode ? (
        <div className="test-banner" data-testid="test-mode-banner" role="status">
          <Icon name="warning" />
          <span>{t('gate.ready.testMode')}</span>
        </div>
      ) : null}
      <div className="gate-ready__main purpose" data-testid="purpose-gate">
        <Icon name="scan" className="purpose__icon gate-ready__icon" />
        <div>
          <p className="purpose__title gate-ready__title">{t('gate.ready.title')}</p>
          {status ? (
            <p className="gate-ready__attraction" data-testid="gate-attraction">
              {t('gate.ready.attraction', { attraction: status.attraction })}
            </p>
          ) : null}
          <p className="purpose__hint">{t('gate.ready.hint')}</p>
        </div>
      </div>
    </div>
  );
}
