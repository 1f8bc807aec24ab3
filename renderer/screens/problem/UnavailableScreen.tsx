/** The kiosk service is not answering: say so plainly, and keep retrying. */
import { useTranslation } from 'react-i18next';
import { Icon } from '../../components/Icon';

export function UnavailableScreen({ attempt }: { attempt: number }) {
  const { t } = useTranslation();
  return (
    <main className="screen unavailable" data-testid="screen-unavailable" role="alert">
      <Icon name="plug" className="unavailable__icon" />
      <h1 className="unavailable__title">{t('unavailable.title')}</h1>
      <p className="unavailable__retrying">
        <span className="spinner" aria-hidden="true" /> {t('unavailable.retrying')}{' '}
        <span className="muted" data-testid="unavailable-attempt">
          ({t('unavailable.attempt', { count: attempt })})
        </span>
      </p>
      <p className="unavailable__detail">{t('unavailable.detail')}</p>
    </main>
  );
}

export function LoadingScreen() {
  const { t } = useTranslation();
  return (
    <main className="screen loading" data-testid="screen-loading">
      <span className="spinner" aria-hidden="true" />
      <p>{t('common.starting')}</p>
    </main>
  );
}
