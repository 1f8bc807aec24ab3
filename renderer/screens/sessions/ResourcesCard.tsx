/**
 * The resources themselves, on the attendant's sessions page: add one (name
 * and kind), rename or retire those the attendant added. Those of the config
 * say so: they are changed in the config. Retiring takes a resource off the
 * board (its sessions are kept); adding its name again brings it back.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HandlerArgs, ResourceView } from '../../../preload/contract';
import { BigButton } from '../../components/BigButton';

type ResourceAction = 'sessions:add-resource' | 'sessions:rename-resource' | 'sessions:retire-resource';

export function ResourcesCard({
  resources,
  busy,
  act,
}: {
  resources: ResourceView[];
  busy: boolean;
  act: <N extends ResourceAction>(name: N, args: HandlerArgs<N>) => Promise<boolean>;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [kind, setKind] = useState('PC');
  const [renaming, setRenaming] = useState<{ id: string; name: string; kind: string } | null>(null);
  const valid = (text: string) => text.trim().length >= 1 && text.trim().length <= 40;

  const add = async () => {
    if (await act('sessions:add-resource', { name: name.trim(), kind: kind.trim() })) setName('');
  };
  const saveRename = async () => {
    if (renaming && (await act('sessions:rename-resource', { resourceId: renaming.id, name: renaming.name.trim(), kind: renaming.kind.trim() }))) setRenaming(null);
  };

  return (
    <section className="admin-card" data-testid="sessions-resources">
      <h2>{t('sessions.admin.resources.title')}</h2>
      <form
        className="sessions-admin__buttons"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <label className="sessions-admin__custom sessions-admin__field">
          <span>{t('sessions.admin.resources.name')}</span>
          <input data-testid="sessions-resource-name" maxLength={40} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="sessions-admin__custom sessions-admin__field">
          <span>{t('sessions.admin.resources.kind')}</span>
          <input data-testid="sessions-resource-kind" maxLength={40} value={kind} onChange={(e) => setKind(e.target.value)} />
        </label>
        <BigButton type="submit" icon="check" variant="primary" testId="sessions-resource-add" disabled={busy || !valid(name) || !valid(kind)}>
          {t('sessions.admin.resources.add')}
        </BigButton>
      </form>
      <ul className="sessions-admin__list">
        {resources.map((r) => (
          <li key={r.id} className="sessions-admin__row" data-testid={`sessions-resource-${r.name}`} data-origin={r.origin}>
            {renaming?.id === r.id ? (
              <div className="sessions-admin__buttons">
                <label className="sessions-admin__custom sessions-admin__field">
                  <span>{t('sessions.admin.resources.name')}</span>
                  <input data-testid={`sessions-rename-name-${r.name}`} maxLength={40} value={renaming.name} onChange={(e) => setRenaming({ ...renaming, name: e.target.value })} />
                </label>
                <label className="sessions-admin__custom sessions-admin__field">
                  <span>{t('sessions.admin.resources.kind')}</span>
                  <input data-testid={`sessions-rename-kind-${r.name}`} maxLength={40} value={renaming.kind} onChange={(e) => setRenaming({ ...renaming, kind: e.target.value })} />
                </label>
                <BigButton icon="check" variant="primary" testId={`sessions-rename-save-${r.name}`} disabled={busy || !valid(renaming.name) || !valid(renaming.kind)} onClick={() => void saveRename()}>
                  {t('sessions.admin.resources.save')}
                </BigButton>
                <BigButton variant="ghost" testId={`sessions-rename-cancel-${r.name}`} onClick={() => setRenaming(null)}>
                  {t('sessions.admin.cancel')}
                </BigButton>
              </div>
            ) : (
              <>
                <div className="sessions-admin__what">
                  <strong>{r.name}</strong> <span className="muted">{r.kind}</span>
                  <div className="muted">{t(`sessions.admin.resources.origin.${r.origin}`)}</div>
                </div>
                {r.origin === 'admin' ? (
                  <div className="sessions-admin__buttons">
                    <BigButton testId={`sessions-rename-${r.name}`} disabled={busy} onClick={() => setRenaming({ id: r.id, name: r.name, kind: r.kind })}>
                      {t('sessions.admin.resources.rename')}
                    </BigButton>
                    <BigButton icon="cross" variant="danger" testId={`sessions-retire-${r.name}`} disabled={busy || r.status === 'Active'} onClick={() => void act('sessions:retire-resource', { resourceId: r.id })}>
                      {t('sessions.admin.resources.retire')}
                    </BigButton>
                  </div>
                ) : null}
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
