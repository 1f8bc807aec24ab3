import { z } from 'zod';

/** A match video as the screens show it. `waiting`: the match has not ended (no video yet). */
export type VideoStateView = 'waiting' | 'processing' | 'uploading' | 'ready' | 'failed' | 'cancelled';

export interface BookingVideoView {
  id: string;
  camera: string;
  state: VideoStateView;
  trigger: 'schedule' | 'manual';
  /** The clip's public URL once ready (the QR code). */
  url: string | null;
  duration: number | null;
}

export interface BookingBoardItem {
  bookingId: string;
  fieldId: number;
  startTime: string;
  endTime: string;
  status: string;
  userName: string | null;
  /** The match is being played now. */
  playing: boolean;
  /** One per camera of the field (state `waiting` before the match ends). */
  videos: BookingVideoView[];
}

export interface BookingField {
  fieldId: number;
  name: string;
  /** A camera films it: the "Save my match video" button works. */
  filmed: boolean;
  bookings: BookingBoardItem[];
}

/** Today's bookings per field. */
export interface BookingsBoard {
  date: string;
  fields: BookingField[];
  at: string;
}

export interface PipelineTaskView {
  id: number;
  videoId: string;
  bookingId: string | null;
  camera: string | null;
  step: string;
  state: 'ready' | 'running' | 'retry' | 'offline' | 'waiting' | 'failed' | 'done' | 'cancelled';
  attempts: number;
  totalAttempts: number;
  nextAt: string | null;
  lastError: string | null;
  updatedAt: string;
}

export interface BookingsAdminSummary {
  /** Open tasks by step (process, upload, notify) and the failed. */
  counts: { step: string; state: string; n: number }[];
  tasks: PipelineTaskView[];
  disk: { dir: string; freeBytes: number | null; floorBytes: number; low: boolean };
  lastSync: { at: string; error: string | null; received: number | null; skipped: number | null } | null;
  bookingsToday: number;
}

export type VideoRequestResult =
  | { requested: true; bookingId: string; videos: number }
  /** `code` for the customer's language; `reason` in English for the log. */
  | { requested: false; reason: string; code: 'no-camera' | 'not-playing' };

export const bookingsHandlers = {
  'bookings:board': z.object({}).strict(),
  'bookings:request-video': z.object({ fieldId: z.number().int().min(0).max(1_000_000) }).strict(),
  'bookings:admin-summary': z.object({}).strict(),
  'bookings:redrive': z.object({ taskId: z.number().int().min(1) }).strict(),
  'bookings:sync-now': z.object({}).strict(),
};

export interface BookingsValues {
  'bookings:board': BookingsBoard;
  'bookings:request-video': VideoRequestResult;
  'bookings:admin-summary': BookingsAdminSummary;
  'bookings:redrive': BookingsAdminSummary;
  'bookings:sync-now': BookingsAdminSummary;
}

export interface BookingsEvents {
  /** The board changed (a sync, a video's state). */
  'bookings:board': BookingsBoard;
}
