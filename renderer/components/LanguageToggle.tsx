/**
 * The big EN / ID switch: chips (round, outlined, a tick on the chosen one),
 * never mistaken for the solid amount buttons of a payout kiosk.
 */
import { useTranslation } from 'react-i18next';
import { languages, setLanguage } from '../app/i18n';
import { Icon } from './Icon';

export function LanguageToggle() {
  const { t, i18n } = useTranslation();
  const current = i18n.resolvedLanguage ?? i18n.language;
  return (
    <div className="lang-toggle" role="group" aria-label={t('language.label')} data-testid="lang-toggle">
      {languages.map((lng) => (
        <button
          key={lng}
          type="button"
          className={`lang-toggle__button${current === lng ? ' is-active' : ''}`}
          aria-pressed={current === lng}
          lang={lng}
          data-testid={`lang-${lng}`}
          onClick={() => setLanguage(lng)}
        >
          <span className="lang-toggle__code">
            {current === lng ? <Icon name="check" className="lang-toggle__tick" /> : null}
            {lng.toUpperCase()}
          </span>
          <span className="lang-toggle__name">{t(`language.${lng}`)}</span>
        </button>
      ))}
    </div>
  );
}
