/**
 * The process step: the camera's segments covering the clip joined and cut
 * to its start and end (stream copy when every segment has the same codecs
 * and picture, else re-encoded), a low-resolution preview and a JPEG
 * thumbnail. Written under temporary names and renamed when whole, so a try
 * cut short by a crash leaves nothing that looks finished.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crashPoint } from '../crash-points';
import { FfmpegError, probe, runTool, type StreamInfo } from './ffmpeg';
import { mp4Header } from './mp4-header';
import { listSegments, segmentsCovering } from './segments';

export interface ClipFiles {
  dir: string;
  mp4: string;
  preview: string;
  thumbnail: string;
}

export const clipFiles = (dir: string, uniqueId: string): ClipFiles => ({
  dir,
  mp4: path.join(dir, `${uniqueId}.mp4`),
  preview: path.join(dir, `${uniqueId}_preview.mp4`),
  thumbnail: path.join(dir, `${uniqueId}.jpg`),
});

export interface ProcessSettings {
  ffmpeg: string;
  ffprobe: string;
  timeoutMs: number;
  previewHeight: number;
  timeZone: string;
}

export interface ProcessResult {
  duration: number;
  copied: boolean;
}

/** ffmpeg's concat list: one `file '<path>'` line each, quotes escaped as the demuxer reads them. */
const concatLine = (file: string) => `file '${path.resolve(file).replace(/'/g, "'\\''")}'`;

const PROBES_AT_ONCE = Math.max(2, Math.min(4, os.availableParallelism()));

const part = (file: string) => `${file}.part${path.extname(file)}`;

/** The main clip alone: the segments covering [from, to) joined and cut (the bench times this against plain ffmpeg). */
export async function cutClip(
  settings: ProcessSettings,
  job: { folder: string; from: Date; to: Date; files: ClipFiles },
  signal: AbortSignal,
): Promise<{ copied: boolean }> {
  const { files } = job;
  const limits = { timeoutMs: settings.timeoutMs, signal };
  const chosen = segmentsCovering(listSegments(job.folder, settings.timeZone), job.from, job.to);
  if (chosen.length === 0) throw new FfmpegError(`no recording in ${job.folder} covers ${job.from.toISOString()} to ${job.to.toISOString()}`);
  // A 2-hour match is 120 one-minute segments: an MP4's header is read here, anything else probed a few at a time.
  const infos: StreamInfo[] = new Array<StreamInfo>(chosen.length);
  let next = 0;
  const prober = async () => {
    for (let i = next++; i < chosen.length; i = next++) infos[i] = mp4Header(chosen[i]!.file) ?? (await probe(settings.ffprobe, chosen[i]!.file, limits));
  };
  await Promise.all(Array.from({ length: Math.min(PROBES_AT_ONCE, chosen.length) }, prober));
  const first = chosen[0]!;
  const last = chosen.at(-1)!;
  const recordedEnd = last.start.getTime() + infos.at(-1)!.duration * 1000;
  const from = Math.max(job.from.getTime(), first.start.getTime());
  const to = Math.min(job.to.getTime(), recordedEnd);
  if (to - from < 1_000) throw new FfmpegError(`the recording in ${job.folder} ends at ${new Date(recordedEnd).toISOString()}, before the clip's start`);
  const offset = (from - first.start.getTime()) / 1000;
  const length = (to - from) / 1000;
  const copied = infos.every((i) => i.signature === infos[0]!.signature);

  fs.mkdirSync(files.dir, { recursive: true });
  const list = path.join(files.dir, 'segments.txt');
  fs.writeFileSync(list, `ffconcat version 1.0\n${chosen.map((s) => concatLine(s.file)).join('\n')}\n`);
  const codec = copied ? ['-c', 'copy'] : ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-c:a', 'aac'];
  await runTool(settings.ffmpeg, ['-hide_banner', '-nostdin', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-ss', offset.toFixed(3), '-t', length.toFixed(3), '-map', '0:v:0?', '-map', '0:a:0?', ...codec, '-avoid_negative_ts', 'make_zero', '-movflags', '+faststart', '-f', 'mp4', part(files.mp4)], limits);
  fs.renameSync(part(files.mp4), files.mp4);
  fs.rmSync(list, { force: true });
  return { copied };
}

export async function makeClip(
  settings: ProcessSettings,
  job: { folder: string; from: Date; to: Date; files: ClipFiles },
  signal: AbortSignal,
): Promise<ProcessResult> {
  const { files } = job;
  const limits = { timeoutMs: settings.timeoutMs, signal };
  const { copied } = await cutClip(settings, job, signal);
  crashPoint('bookings.process.mid-clip');
  const clip = await probe(settings.ffprobe, files.mp4, limits);
  await runTool(settings.ffmpeg, ['-hide_banner', '-nostdin', '-y', '-i', files.mp4, '-vf', `scale=-2:${settings.previewHeight}`, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '30', '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', '-f', 'mp4', part(files.preview)], limits);
  fs.renameSync(part(files.preview), files.preview);
  await runTool(settings.ffmpeg, ['-hide_banner', '-nostdin', '-y', '-ss', (clip.duration / 2).toFixed(3), '-i', files.mp4, '-frames:v', '1', '-vf', 'scale=480:-2', '-q:v', '4', '-f', 'image2', part(files.thumbnail)], limits);
  fs.renameSync(part(files.thumbnail), files.thumbnail);
  return { duration: Math.round(clip.duration * 1000) / 1000, copied };
}
