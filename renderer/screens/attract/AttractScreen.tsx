/** The idle screen: Welcome, what this kiosk does, the language switch. */
import { useTranslation } from 'react-i18next';
import { useBoot } from '../../app/contexts';
import { attractPanels, modulePurposes, noModulePurpose, type ModulePurpose } from '../../app/modules';
import { Icon } from '../../components/Icon';
import { LanguageToggle } from '../../components/LanguageToggle';

export function AttractScreen() {
  const { t } = useTranslation();
  const boot = useBoot();
  const purposes: [string, ModulePurpose][] = boot.modules.length
    ? boot.modules.flatMap((m) => (modulePurposes[m] ? [[m, modulePurposes[m]] as [string, ModulePurpose]] : []))
    : [['none', noModulePurpose]];
  return (
    <main className={`screen attract${boot.modules.length ? ' attract--modules' : ''}`} data-testid="screen-attract">
      {boot.demo ? (
        <div className="demo-badge" data-testid="demo-marker">
          <Icon name="info" />
          <span>{t('attract.demo')}</span>
        </div>
      ) : null}
      <h1 className="attract__title" data-testid="attract-title">
        {t('attract.welcome')}
      </h1>
      <div className="attract__purposes">
        {purposes.map(([id, p]) => {
          const Panel = attractPanels[id];
          if (Panel) return <Panel key={id} />;
          return (
          <div key={id} className="purpose" data-testid={`purpose-${id}`}>
            <Icon name={p.icon} className="purpose__icon" />
            <div>
              <p className="purpose__title">{t(p.titleKey)}</p>
              <p className="purpose__hint">{t(p.hintKey)}</p>
            </div>
          </div>
          );
        })}
      </div>
      <LanguageToggle />
      {boot.demo && boot.demoPin ? (
        <p className="demo-hint" data-testid="demo-pin-hint">
          {t('attract.demoHint', { pin: boot.demoPin })}
        </p>
      ) : null}
    </main>
  );
}
