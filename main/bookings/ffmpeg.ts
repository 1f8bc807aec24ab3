/**
 * ffmpeg and ffprobe (Debian's package) as child processes: a time limit
 * (the process is killed when it is over, or when the task is cancelled),
 * and the end of stderr kept for the error when a run fails.
 */
import { spawn } from 'node:child_process';

const STDERR_KEPT = 4_000;

export class FfmpegError extends Error {}

export function runTool(program: string, args: readonly string[], options: { timeoutMs: number; signal?: AbortSignal }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let why: string | null = null;
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      if (stdout.length < 1_000_000) stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr = (stderr + c).slice(-STDERR_KEPT);
    });
    const stop = (reason: string) => {
      why ??= reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(`stopped after ${Math.round(options.timeoutMs / 1000)} s (processTimeoutSeconds)`), options.timeoutMs);
    const onAbort = () => stop(`stopped: ${(options.signal?.reason as Error | undefined)?.message ?? 'aborted'}`);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const finish = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error) => {
      finish();
      reject(new FfmpegError(`${program} could not be started: ${error.message}${(error as NodeJS.ErrnoException).code === 'ENOENT' ? ' (install the Debian package ffmpeg)' : ''}`));
    });
    child.on('close', (code, signal) => {
      finish();
      if (code === 0 && why === null) return resolve(stdout);
      const head = why ?? `${program} exited with ${code ?? signal}`;
      reject(new FfmpegError(`${head}; stderr: ${stderr.trim() || '(empty)'}`));
    });
  });
}

export interface StreamInfo {
  duration: number;
  /** codec and picture parameters of the video stream; segments with the same signature can be joined without re-encoding. */
  signature: string;
}

export async function probe(ffprobe: string, file: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<StreamInfo> {
  const out = await runTool(ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], options);
  const parsed = JSON.parse(out) as { format?: { duration?: string }; streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number; pix_fmt?: string; sample_rate?: string; channels?: number }[] };
  const streams = parsed.streams ?? [];
  const duration = Number(parsed.format?.duration ?? NaN);
  if (!Number.isFinite(duration)) throw new FfmpegError(`${file}: ffprobe found no duration`);
  const signature = streams.map((s) => [s.codec_type, s.codec_name, s.width, s.height, s.pix_fmt, s.sample_rate, s.channels].join(':')).join('|');
  return { duration, signature };
}
