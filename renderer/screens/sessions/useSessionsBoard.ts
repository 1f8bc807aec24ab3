/**
 * The countdown board ('sessions:board'): the first answer, then each pushed
 * change, and a tick every quarter second that counts each session's time
 * left down from what main said, on this screen's monotonic clock (so a wall
 * clock set meanwhile changes nothing). A session at zero shows "ending" and
 * the board is asked again every second until main says it has ended: it
 * never says "Expired".
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { SessionsBoard } from '../../../preload/contract';
import { call } from '../../app/call';
import { useBoothEvent } from '../../app/useBoothEvent';

export interface BoardState {
  board: SessionsBoard | null;
  /** Time left of a session now (ms, at least 0), counted from main's answer. */
  left(sessionId: string): number;
  refresh(): Promise<void>;
}

export function useSessionsBoard(): BoardState {
  const [board, setBoardState] = useState<SessionsBoard | null>(null);
  const receivedAt = useRef(0);
  const [, setTick] = useState(0);
  const setBoard = useCallback((next: SessionsBoard) => {
    receivedAt.current = performance.now();
    setBoardState(next);
  }, []);
  useBoothEvent('sessions:board', setBoard);
  const refresh = useCallback(async () => {
    const r = await call('sessions:board', {});
    if (r.ok) setBoard(r.value);
  }, [setBoard]);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const left = useCallback(
    (sessionId: string) => {
      const s = board?.resources.find((r) => r.session?.id === sessionId)?.session;
      return s ? Math.max(0, s.remainingMs - (performance.now() - receivedAt.current)) : 0;
    },
    [board],
  );

  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 250);
    return () => clearInterval(timer);
  }, []);
  // Past zero and main has not said so yet: ask again (the event may have been missed).
  const anyEnding = board?.resources.some((r) => r.session && r.session.remainingMs - (performance.now() - receivedAt.current) <= -1000) ?? false;
  useEffect(() => {
    if (!anyEnding) return;
    const timer = setInterval(() => void refresh(), 1000);
    return () => clearInterval(timer);
  }, [anyEnding, refresh]);

  return { board, left, refresh };
}

/** "1:05:09" or "4:07": hours only when there are some. */
export function formatLeft(ms: number): string {
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** The warning a session is in: the smallest configured threshold it has passed, or null. */
export function warningFor(leftMs: number, warningMinutes: readonly number[]): number | null {
  const passed = warningMinutes.filter((w) => leftMs <= w * 60_000 && leftMs > 0);
  return passed.length ? Math.min(...passed) : null;
}
