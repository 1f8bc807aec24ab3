/**
 * Flags for the attendant on the gate page: each open flag in words (from its
 * counts, in the page's language) with a Resolve action and an optional note,
 * newest first, a page at a time ("Show more", a PagedList fed by main).
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BoothError, GateFlag, GateFlagPage } from '../../../preload/contract';
import { BigButton } from '../../components/BigButton';
import { Icon } from '../../components/Icon';
import { PagedList } from '../../components/PagedList';
import type { AdminCall } from '../admin/useAdminCall';

type T = ReturnType<typeof useTranslation>['t'];

/** The flag in words; a flag written by an older kiosk (no counts) shows its English detail. */
export function flagText(flag: GateFlag, t: T): string {
  const facts = flag.facts;
  if (!facts) return flag.detail;
  if (flag.kind === 'over-admission') {
    const admitted = Math.max(facts.serverUsed, facts.acknowledged) + facts.pending;
    return t('gate.admin.flagText.over-admission', { count: admitted, pax: facts.pax });
  }
  const conflict = t('gate.admin.flagText.count-conflict', { serverUsed: facts.serverUsed, acknowledged: facts.acknowledged });
  return facts.resent === null ? conflict : `${conflict} ${t('gate.admin.flagText.resent', { count: facts.resent })}`;
}

export interface GateFlagsProps {
  /** The first page, from the gate summary (reloaded with it). */
  firstPage: GateFlagPage;
  adminCall: AdminCall;
  when(iso: string | null): string;
  /** After a resolve: reload the summary. */
  onChanged(): Promise<void>;
  onError(error: Pick<BoothError, 'message' | 'reason'>): void;
}

export function GateFlags({ firstPage, adminCall, when, onChanged, onError }: GateFlagsProps) {
  const { t } = useTranslation();
  // Pages loaded after the first, kept while the first page reloads.
  const [more, setMore] = useState<{ flags: GateFlag[]; nextBefore: number | null } | null>(null);
  const [resolving, setResolving] = useState<number | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [gone, setGone] = useState<ReadonlySet<number>>(new Set());

  const firstIds = new Set(firstPage.flags.map((f) => f.id));
  const lastFirst = firstPage.flags.at(-1)?.id ?? Number.MAX_SAFE_INTEGER;
  // New flags pushed the first page past the pages loaded after it: load those again from there.
  const [loadedBelow, setLoadedBelow] = useState(lastFirst);
  useEffect(() => {
    if (lastFirst > loadedBelow) {
      setMore(null);
      setLoadedBelow(lastFirst);
    }
  }, [lastFirst, loadedBelow]);
  const shown = [...firstPage.flags, ...(more?.flags ?? []).filter((f) => !firstIds.has(f.id) && f.id < lastFirst)].filter((f) => !gone.has(f.id));
  const nextBefore = more ? more.nextBefore : firstPage.nextBefore;
  const total = Math.max(firstPage.total, shown.length);

  const loadMore = async () => {
    if (nextBefore === null) return;
    setBusy(true);
    const r = await adminCall('gate:flags', { before: Math.min(nextBefore, shown.at(-1)?.id ?? nextBefore) });
    setBusy(false);
    if (!r.ok) return onError(r.error);
    setLoadedBelow(lastFirst);
    setMore((m) => ({ flags: [...(m?.flags ?? []), ...r.value.flags], nextBefore: r.value.nextBefore }));
  };

  const resolve = async (flag: GateFlag) => {
    setBusy(true);
    const text = note.trim();
    const r = await adminCall('gate:resolve-flag', text ? { id: flag.id, note: text } : { id: flag.id });
    setBusy(false);
    if (!r.ok) return onError(r.error);
    setGone((g) => new Set([...g, flag.id]));
    setResolving(null);
    setNote('');
    await onChanged();
  };

  if (shown.length === 0) {
    return (
      <p className="muted" data-testid="gate-flags-none">
        {t('gate.admin.noFlags')}
      </p>
    );
  }
  return (
    <>
      <p className="muted" data-testid="gate-flags-total" data-total={total}>
        {t('gate.admin.flagsOpen', { count: total })}
      </p>
      <PagedList
        className="flag-list"
        testId="gate-flags"
        moreTestId="gate-flags-more"
        items={shown}
        total={total}
        busy={busy}
        {...(nextBefore !== null ? { onMore: () => void loadMore() } : {})}
        itemKey={(f) => f.id}
        itemProps={(f) => ({ className: 'flag', 'data-testid': `gate-flag-${f.id}`, 'data-kind': f.kind, 'data-reference': f.reference })}
        render={(f) => (
          <>
            <div className="flag__text">
              <span className="tag tag--warning">
                <Icon name="warning" />
                {t(`gate.admin.flag.${f.kind}`)}
              </span>{' '}
              <span className="mono">{f.reference}</span> ({f.attraction}) —{' '}
              <span data-testid={`gate-flag-text-${f.id}`} data-untranslated={f.facts ? undefined : 'true'}>
                {flagText(f, t)}
              </span>{' '}
              <span className="muted">
                {when(f.createdAt)}
                {f.updatedAt ? ` · ${t('gate.admin.flagUpdated', { time: when(f.updatedAt) })}` : ''}
              </span>
            </div>
            {resolving === f.id ? (
              <form
                className="flag__resolve"
                onSubmit={(event) => {
                  event.preventDefault();
                  void resolve(f);
                }}
              >
                <label className="flag__note">
                  <span>{t('gate.admin.resolveNote')}</span>
                  <input
                    type="text"
                    maxLength={500}
                    value={note}
                    data-testid={`gate-flag-note-${f.id}`}
                    onChange={(e) => setNote(e.target.value)}
                  />
                </label>
                <BigButton type="submit" variant="primary" icon="check" testId={`gate-flag-confirm-${f.id}`} disabled={busy}>
                  {t('gate.admin.resolveConfirm')}
                </BigButton>
                <BigButton variant="ghost" icon="cross" disabled={busy} onClick={() => setResolving(null)}>
                  {t('common.cancel')}
                </BigButton>
              </form>
            ) : (
              <BigButton
                icon="check"
                testId={`gate-flag-resolve-${f.id}`}
                disabled={busy}
                onClick={() => {
                  setResolving(f.id);
                  setNote('');
                }}
              >
                {t('gate.admin.resolve')}
              </BigButton>
            )}
          </>
        )}
      />
    </>
  );
}
