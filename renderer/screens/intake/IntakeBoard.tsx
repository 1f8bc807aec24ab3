/**
 * The intake board (seed 001), the intake kiosk's attract screen: packets as
 * they arrive (received, processed, failed), today's batches with head
 * counts, a tag search (typed, or scanned: by a keyboard-wedge scanner into
 * the field, or by the serial scanner through main), and pen assignment by touch. A pen shows as assigned only once main
 * answers that it is committed. Payload text is shown as text, never as HTML.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AnimalView, IntakeBoard as Board, PayloadRow } from '../../../preload/contract';
import { call } from '../../app/call';
import { localeOf } from '../../app/i18n';
import { useStatus } from '../../app/contexts';
import { useBoothEvent } from '../../app/useBoothEvent';
import { useReloadSoon } from '../../app/useReloadSoon';
import { Icon, type IconName } from '../../components/Icon';
import { Notice } from '../../components/Notice';

/** The time of day a packet came, in the venue's zone (today's packets: the date says nothing). */
export function timeOfDay(iso: string, language: string | undefined, timeZone: string | undefined): string {
  try {
    return new Intl.DateTimeFormat(localeOf(language), { timeZone, timeStyle: 'medium', hourCycle: 'h23' }).format(new Date(iso));
  } catch {
    return iso;
  }
}

const statusIcon: Record<PayloadRow['status'], IconName> = { received: 'dots', processed: 'check', failed: 'warning' };

export function PacketStatus({ row }: { row: PayloadRow }) {
  const { t } = useTranslation();
  const key = row.status === 'processed' && row.note === 'duplicate' ? 'duplicate' : row.status;
  return (
    <span className={`intake-status intake-status--${row.status}`} data-testid={`packet-status-${row.id}`} data-status={row.status}>
      <Icon name={statusIcon[row.status]} />
      {t(`intake.packet.${key}`)}
      {row.error_code ? ` · ${t(`intake.error.${row.error_code}`)}` : ''}
    </span>
  );
}

export function IntakeBoard() {
  const { t, i18n } = useTranslation();
  const zone = useStatus()?.timeZone;
  const [board, setBoard] = useState<Board | null>(null);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<AnimalView[] | null>(null);
  const [selected, setSelected] = useState<AnimalView | null>(null);
  const [saving, setSaving] = useState<number | 'none' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const load = useCallback(async () => {
    const r = await call('intake:board', {});
    if (alive.current && r.ok) setBoard(r.value);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const reloadSoon = useReloadSoon(load);
  useBoothEvent('payload:received', reloadSoon);
  useBoothEvent('payload:updated', reloadSoon);
  useBoothEvent('cattle:updated', reloadSoon);
  useBoothEvent('intake:receiver', (receiver) => setBoard((b) => (b ? { ...b, receiver } : b)));

  const searchTag = async (tag: string) => {
    if (!tag) return;
    setError(null);
    const r = await call('intake:search', { tag });
    if (!alive.current) return;
    if (!r.ok) return setError(r.error.message);
    setFound(r.value);
    setSelected(r.value.length === 1 ? r.value[0]! : null);
  };
  const search = (event?: FormEvent) => {
    event?.preventDefault();
    void searchTag(query.trim());
  };
  // The serial scanner's tag, searched as if typed (the keyboard-wedge one types into the field).
  useBoothEvent('intake:scanned', ({ tag }) => {
    setQuery(tag);
    void searchTag(tag);
  });

  const assign = async (penId: number | null) => {
    if (!selected || saving !== null) return;
    setSaving(penId ?? 'none');
    setError(null);
    const r = await call('intake:assign-pen', { cattleId: selected.id, penId });
    if (!alive.current) return;
    setSaving(null);
    if (!r.ok) return setError(r.error.message);
    setSelected(r.value);
    setFound((list) => list?.map((a) => (a.id === r.value.id ? r.value : a)) ?? null);
    void load();
  };

  if (!board) return <p className="muted">{t('common.loading')}</p>;
  const receiver = board.receiver;
  const receiverState = !receiver.configured ? 'none' : receiver.connected ? 'connected' : 'disconnected';

  return (
    <div className="intake-board" data-testid="intake-board">
      <section className="intake-board__packets" aria-label={t('intake.board.packets')}>
        <header className="intake-board__head">
          <h2>{t('intake.board.packets')}</h2>
          <span className={`intake-receiver intake-receiver--${receiverState}`} data-testid="intake-receiver" data-state={receiverState}>
            <Icon name={receiverState === 'connected' ? 'check' : 'plug'} />
            {t(`intake.receiver.${receiverState}`)}
          </span>
        </header>
        <ul className="intake-list intake-scroll" data-testid="intake-packets">
          {board.packets.length === 0 ? <li className="muted">{t('intake.board.noPackets')}</li> : null}
          {board.packets.map((p) => (
            <li key={p.id} className="intake-packet" data-testid={`packet-${p.id}`}>
              <PacketStatus row={p} />
              <span className="intake-packet__payload">{p.payload}</span>
              <span className="intake-packet__meta">
                {timeOfDay(p.received_at, i18n.resolvedLanguage, zone)}
                {p.rssi !== null ? ` · ${p.rssi} dBm` : ''}
              </span>
            </li>
          ))}
        </ul>
      </section>

      <section className="intake-board__batches" aria-label={t('intake.board.batchesToday')}>
        <h2>{t('intake.board.batchesToday')}</h2>
        <ul className="intake-list intake-scroll" data-testid="intake-batches">
          {board.batchesToday.length === 0 ? <li className="muted">{t('intake.board.noBatches')}</li> : null}
          {board.batchesToday.map((b) => (
            <li key={b.id} className="intake-batch" data-testid={`batch-${b.batch_number}`}>
              <span className="intake-batch__number">{b.batch_number}</span>
              <span className="intake-batch__count" data-testid={`batch-count-${b.batch_number}`}>
                {t('intake.board.head', { count: b.head_count })}
              </span>
            </li>
          ))}
        </ul>
      </section>

      <section className="intake-board__search" aria-label={t('intake.search.title')}>
        <form className="intake-search" onSubmit={(e) => void search(e)}>
          <input
            className="intake-search__input"
            data-testid="intake-search-input"
            value={query}
            maxLength={256}
            autoComplete="off"
            placeholder={t('intake.search.placeholder')}
            aria-label={t('intake.search.title')}
            onChange={(e) => setQuery(e.target.value)}
          />
          <button type="submit" className="big-button big-button--primary intake-search__go" data-testid="intake-search-go">
            <Icon name="scan" />
            {t('intake.search.go')}
          </button>
        </form>
        {error ? <Notice kind="error">{error}</Notice> : null}
        {found && found.length === 0 ? <p className="muted" data-testid="intake-search-none">{t('intake.search.none')}</p> : null}
        {found && found.length > 1 ? (
          <ul className="intake-list intake-scroll">
            {found.map((a) => (
              <li key={a.id}>
                <button type="button" className="intake-found" data-testid={`found-${a.id}`} onClick={() => setSelected(a)}>
                  {a.lf_tag} · {a.uhf_tag}
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        {selected ? (
          <div className="intake-animal" data-testid="intake-animal" data-pen={selected.pen_id ?? ''}>
            <p className="intake-animal__tags">
              {selected.lf_tag} · {selected.uhf_tag}
            </p>
            <p className="muted">
              {t('intake.animal.batch', { batch: selected.batch_number })} ·{' '}
              <span data-testid="intake-animal-pen">{selected.pen_name ? t('intake.animal.inPen', { pen: selected.pen_name }) : t('intake.animal.noPen')}</span>
            </p>
            <div className="intake-pens intake-scroll" role="group" aria-label={t('intake.animal.choosePen')}>
              {board.pens.map((pen) => (
                <button
                  key={pen.id}
                  type="button"
                  className={`intake-pen${selected.pen_id === pen.id ? ' intake-pen--current' : ''}`}
                  data-testid={`pen-${pen.id}`}
                  aria-pressed={selected.pen_id === pen.id}
                  disabled={saving !== null}
                  onClick={() => void assign(pen.id)}
                >
                  {saving === pen.id ? <Icon name="dots" /> : selected.pen_id === pen.id ? <Icon name="check" /> : null}
                  <span>{pen.name}</span>
                  <span className="intake-pen__count">{pen.capacity ? `${pen.head_count}/${pen.capacity}` : pen.head_count}</span>
                </button>
              ))}
            </div>
          </div>
        ) : null}
      </section>
    </div>
  );
}
