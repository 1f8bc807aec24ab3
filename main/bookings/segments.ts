/**
 * A camera's recording: segment files in its folder, each named by its start
 * time in the venue's time zone (2025-01-23_10-00-00.mp4,
 * 20250123T100000.ts, cam-2025-01-23 10:00:00.mkv, ...). A segment runs until
 * the next one starts (the last: for its own duration). Pure but for the
 * folder listing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { venueTimeToUtc } from '../clock/venue-time';

const NAME = /(\d{4})-?(\d{2})-?(\d{2})[T_ -]?(\d{2})[-:.]?(\d{2})[-:.]?(\d{2})/;
const VIDEO_EXTENSIONS = new Set(['.mp4', '.ts', '.mkv', '.mov', '.m4v', '.flv', '.avi']);

export interface Segment {
  file: string;
  start: Date;
}

export function segmentStart(fileName: string, timeZone: string): Date | null {
  const m = NAME.exec(fileName);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  return venueTimeToUtc(`${y}-${mo}-${d}`, `${h}:${mi}:${s}`, timeZone);
}

/** The folder's segments in start order (files that are not named by a time are ignored). */
export function listSegments(folder: string, timeZone: string): Segment[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch (error) {
    throw new Error(`the camera folder ${folder} cannot be read: ${(error as Error).message}`);
  }
  const segments: Segment[] = [];
  for (const name of names) {
    if (!VIDEO_EXTENSIONS.has(path.extname(name).toLowerCase()) || name.startsWith('.')) continue;
    const start = segmentStart(name, timeZone);
    if (start) segments.push({ file: path.join(folder, name), start });
  }
  return segments.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/**
 * The segments that may hold part of [from, to): every one starting before
 * `to` whose successor starts after `from` (the last one's end is only known
 * from its duration: the caller probes it).
 */
export function segmentsCovering(segments: readonly Segment[], from: Date, to: Date): Segment[] {
  const chosen: Segment[] = [];
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const next = segments[i + 1];
    if (s.start.getTime() >= to.getTime()) break;
    if (next && next.start.getTime() <= from.getTime()) continue;
    chosen.push(s);
  }
  return chosen;
}
