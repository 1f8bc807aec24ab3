/** The config in effect as a readable tree. Values are text (already masked by main). */
import { useTranslation } from 'react-i18next';

const isPlain = (v: unknown) => v === null || typeof v !== 'object';

function Value({ value }: { value: unknown }) {
  const type = value === null ? 'null' : typeof value;
  return (
    <span className={`config-tree__value config-tree__value--${type}`} data-type={type}>
      {value === undefined ? '' : JSON.stringify(value)}
    </span>
  );
}

function Node({ name, value, path }: { name: string; value: unknown; path: string }) {
  const { t } = useTranslation();
  if (isPlain(value) || (Array.isArray(value) && value.every(isPlain))) {
    return (
      <li className="config-tree__leaf" data-path={path}>
        <span className="config-tree__key">{name}</span>
        <span className="config-tree__sep">: </span>
        {Array.isArray(value) ? (
          value.length ? <Value value={value} /> : <span className="config-tree__empty">{t('admin.overview.emptyList')}</span>
        ) : (
          <Value value={value} />
        )}
      </li>
    );
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as object);
  return (
    <li className="config-tree__branch" data-path={path}>
      <span className="config-tree__key">{name}</span>
      {entries.length ? (
        <ul>
          {entries.map(([k, v]) => (
            <Node key={k} name={k} value={v} path={path ? `${path}.${k}` : k} />
          ))}
        </ul>
      ) : (
        <span className="config-tree__empty"> {t('admin.overview.emptyObject')}</span>
      )}
    </li>
  );
}

export function ConfigTree({ config }: { config: unknown }) {
  if (isPlain(config)) return <Value value={config} />;
  const entries = Array.isArray(config) ? config.map((v, i) => [String(i), v] as const) : Object.entries(config as object);
  return (
    // Setting names and values are data, not words: the translation check leaves them out.
    <ul className="config-tree" data-testid="ov-config" data-untranslated="true" data-quoted="true">
      {entries.map(([k, v]) => (
        <Node key={k} name={k} value={v} path={k} />
      ))}
    </ul>
  );
}
