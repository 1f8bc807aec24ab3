/**
 * Today's matches (seed 003, for customers): each field with its bookings
 * and, per camera, the state of the match video (waiting for the match to
 * end, processing, uploading, ready, failed) by icon and words; a ready one
 * with a QR code to its clip. The field playing now has "Save my match
 * video", which asks main for a clip from the match's start to now and says
 * what happened in the customer's language. Customers' names are not shown
 * (a public screen).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BookingBoardItem, BookingField, BookingsBoard as Board, BookingVideoView, VideoStateView } from '../../../preload/contract';
import { call } from '../../app/call';
import { useBoothEvent } from '../../app/useBoothEvent';
import { BigButton } from '../../components/BigButton';
import { Icon, type IconName } from '../../components/Icon';
import { Notice } from '../../components/Notice';
import { QrCode } from '../payout/QrCode';

/** How long the answer to "Save my match video" stays on the screen. */
const RESULT_MS = 20_000;

const stateIcon: Record<VideoStateView, IconName> = {
  waiting: 'clock',
  processing: 'dots',
  uploading: 'upload',
  ready: 'check',
  failed: 'cross',
  cancelled: 'ban',
};

type RequestResult = { fieldId: number; kind: 'ok' | 'error'; key: string };

export function useBookingsBoard() {
  const [board, setBoard] = useState<Board | null>(null);
  useBoothEvent('bookings:board', setBoard);
  const refresh = useCallback(async () => {
    const r = await call('bookings:board', {});
    if (r.ok) setBoard(r.value);
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return { board, refresh };
}

function VideoLine({ video }: { video: BookingVideoView }) {
  const { t } = useTranslation();
  return (
    <li className={`bookings-video bookings-video--${video.state}`} data-testid={`video-${video.id}`} data-state={video.state} data-camera={video.camera}>
      <span className="bookings-video__state">
        <Icon name={stateIcon[video.state]} />
        <span data-untranslated="true" data-quoted="true">{video.camera}</span>
        <span data-testid="video-state">{t(`bookings.state.${video.state}`)}</span>
      </span>
      {video.state === 'ready' && video.url ? (
        <span className="bookings-video__qr">
          <QrCode text={video.url} label={t('bookings.board.scan')} testId={`video-qr-${video.id}`} />
          <span className="bookings-video__scan">{t('bookings.board.scan')}</span>
        </span>
      ) : null}
    </li>
  );
}

function BookingLine({ booking }: { booking: BookingBoardItem }) {
  const { t } = useTranslation();
  const cancelled = booking.status === 'cancelled';
  return (
    <li className={`bookings-match${booking.playing ? ' bookings-match--playing' : ''}${cancelled ? ' bookings-match--cancelled' : ''}`} data-testid={`booking-${booking.bookingId}`} data-playing={booking.playing}>
      <div className="bookings-match__head">
        <strong className="mono">
          {booking.startTime}–{booking.endTime}
        </strong>
        {booking.playing ? (
          <span className="bookings-match__badge" data-testid="booking-playing">
            <Icon name="clock" />
            {t('bookings.board.playing')}
          </span>
        ) : null}
        {cancelled ? (
          <span className="bookings-match__badge">
            <Icon name="ban" />
            {t('bookings.state.cancelled')}
          </span>
        ) : null}
      </div>
      {booking.videos.length > 0 ? <ul className="bookings-match__videos">{booking.videos.map((v) => <VideoLine key={v.id} video={v} />)}</ul> : null}
    </li>
  );
}

export function BookingsBoard() {
  const { t } = useTranslation();
  const { board, refresh } = useBookingsBoard();
  const [busy, setBusy] = useState<number | null>(null);
  const [result, setResult] = useState<RequestResult | null>(null);
  const clearTimer = useRef<number | null>(null);
  useEffect(() => () => window.clearTimeout(clearTimer.current ?? undefined), []);

  const save = async (field: BookingField) => {
    setBusy(field.fieldId);
    setResult(null);
    const r = await call('bookings:request-video', { fieldId: field.fieldId });
    setBusy(null);
    const key = !r.ok ? 'bookings.board.saveError' : r.value.requested ? 'bookings.board.saved' : r.value.code === 'no-camera' ? 'bookings.board.noCamera' : 'bookings.board.notPlaying';
    setResult({ fieldId: field.fieldId, kind: r.ok && r.value.requested ? 'ok' : 'error', key });
    window.clearTimeout(clearTimer.current ?? undefined);
    clearTimer.current = window.setTimeout(() => setResult(null), RESULT_MS);
    void refresh();
  };

  if (!board) return <section className="bookings-board" data-testid="bookings-board" />;
  const fields = board.fields;
  return (
    <section className="bookings-board" data-testid="bookings-board">
      <h2 className="bookings-board__title">{t('bookings.board.title')}</h2>
      {fields.length === 0 ? <p className="muted">{t('bookings.board.none')}</p> : null}
      <ul className="bookings-board__fields">
        {fields.map((field) => {
          const playing = field.bookings.some((b) => b.playing);
          return (
            <li key={field.fieldId} className="bookings-field" data-testid={`field-${field.fieldId}`}>
              <div className="bookings-field__head">
                <h3 data-untranslated="true" data-quoted="true">{field.name}</h3>
                {field.filmed && playing ? (
                  <BigButton icon="download" variant="primary" testId={`save-video-${field.fieldId}`} disabled={busy !== null} onClick={() => void save(field)}>
                    {busy === field.fieldId ? t('bookings.board.saving') : t('bookings.board.save')}
                  </BigButton>
                ) : null}
                {!field.filmed ? <span className="muted">{t('bookings.board.noCamera')}</span> : null}
              </div>
              {result?.fieldId === field.fieldId ? (
                <Notice kind={result.kind} testId={`save-result-${field.fieldId}`}>
                  {t(result.key)}
                </Notice>
              ) : null}
              {field.bookings.length === 0 ? (
                <p className="muted">{t('bookings.board.none')}</p>
              ) : (
                <ul className="bookings-field__matches">{field.bookings.map((b) => <BookingLine key={b.bookingId} booking={b} />)}</ul>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
