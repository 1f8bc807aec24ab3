/**
 * The kiosk's update checker: fetches `{baseUrl}<channel>/<arch>/manifest.json`,
 * verifies and decides (./verify.ts, ./decide.ts), downloads the file
 * (./download.ts), checks its size and SHA-512 in a worker, and stages it
 * beside the running version, which it never touches. Every decision goes to
 * the log and the store's history with its reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock, ClockTrust } from '../clock';
import type { ScopedLog } from '../log';
import { decideRelease } from './decide';
import { downloadToPart } from './download';
import { matchesRelease } from './file-check';
import type { FileHasher } from './hash-runner';
import type { PinnedKey } from './keys';
import { MAX_MANIFEST_BYTES, type Release } from './manifest';
import type { FailureCode, RefusalCode } from './refusal';
import type { HistoryEvent, UpdateStateStore } from './state';
import { getSmall, secureContextFor, TransportError } from './transport';
import { verifyManifest } from './verify';

export interface UpdaterSettings {
  /** `{baseUrl}<channel>/<arch>/manifest.json`; https only. */
  baseUrl: string;
  channel: string;
  arch: string;
  requestTimeoutMs: number;
  stallMs: number;
  maxBytesPerSecond: number | null;
}

export interface UpdaterDeps {
  settings: UpdaterSettings;
  kioskId: string;
  runningVersion: string;
  pinnedKeys: readonly PinnedKey[];
  /** Folder of the updater's files: download/ and staged/. */
  dir: string;
  state: UpdateStateStore;
  clock: Clock;
  /** The kiosk's trusted time (main/clock/trust.ts): expiry is judged against it, verified times raise it. */
  clockTrust: Pick<ClockTrust, 'trust' | 'lastTrustedTime'>;
  log: ScopedLog;
  hashFile: FileHasher;
  /** Extra trusted CAs (tests). */
  ca?: string;
  onChange?(status: UpdaterStatus): void;
}

export interface StagedRelease {
  version: string;
  file: string;
  size: number;
  sha512: string;
  /** The staged file's full path. */
  path: string;
}

export type UpdaterPhase = 'idle' | 'checking' | 'downloading' | 'verifying' | 'staged';

export interface UpdaterStatus {
  phase: UpdaterPhase;
  running: string;
  available: Pick<Release, 'version' | 'releasedAt' | 'expiresAt' | 'rolloutPercent' | 'size'> | null;
  progress: { bytes: number; total: number } | null;
  staged: Pick<StagedRelease, 'version' | 'file'> | null;
  lastCheckAt: string | null;
  /** The last check's outcome when it was not a success. */
  problem: { kind: 'refused' | 'failed' | 'waiting'; code: string; message: string; version: string | null; at: string } | null;
}

export type CheckOutcome =
  | { kind: 'staged'; version: string; downloaded: boolean }
  | { kind: 'up-to-date'; version: string }
  | { kind: 'not-in-rollout'; version: string }
  | { kind: 'refused'; code: RefusalCode; message: string; version: string | null }
  | { kind: 'failed'; code: FailureCode; message: string };

const STAGED_INFO = 'release.json';

export interface Updater {
  check(): Promise<CheckOutcome>;
  status(): UpdaterStatus;
  staged(): StagedRelease | null;
  /** Drops the staged release (the launcher went back from that version: it must not install again). */
  discardStaged(): void;
  /** Stops a download in progress (the part is kept). */
  stop(): Promise<void>;
}

export function manifestUrl(settings: Pick<UpdaterSettings, 'baseUrl' | 'channel' | 'arch'>): string {
  return `${settings.baseUrl}${encodeURIComponent(settings.channel)}/${encodeURIComponent(settings.arch)}/manifest.json`;
}

export function createUpdater(deps: UpdaterDeps): Updater {
  const { settings, log, clock, state } = deps;
  const downloadDir = path.join(deps.dir, 'download');
  const stagedDir = path.join(deps.dir, 'staged');
  const transport = { idleMs: settings.stallMs, ...(deps.ca ? { ca: deps.ca } : {}) };
  // Built now, at start, rather than in the middle of a check while customers scan.
  if (deps.ca) secureContextFor(deps.ca);
  let status: UpdaterStatus = { phase: 'idle', running: deps.runningVersion, available: null, progress: null, staged: null, lastCheckAt: null, problem: null };
  let running: Promise<CheckOutcome> | null = null;
  const abort = new AbortController();

  const readStaged = (): StagedRelease | null => {
    try {
      const info = JSON.parse(fs.readFileSync(path.join(stagedDir, STAGED_INFO), 'utf8')) as Omit<StagedRelease, 'path'>;
      const file = path.join(stagedDir, path.basename(info.file));
      return fs.existsSync(file) ? { ...info, path: file } : null;
    } catch {
      return null;
    }
  };
  const initial = readStaged();
  if (initial) status = { ...status, phase: 'staged', staged: { version: initial.version, file: initial.file } };

  const set = (patch: Partial<UpdaterStatus>) => {
    status = { ...status, ...patch };
    deps.onChange?.(status);
  };
  const record = (event: HistoryEvent, version: string | null, code: string | null, message: string) => {
    state.record({ at: clock.now().toISOString(), version, event, code, message });
    const line = `${event}${version ? ` ${version}` : ''}${code ? ` (${code})` : ''}: ${message}`;
    if (event === 'refused' || event === 'failed') log.warn(line);
    else log.info(line);
  };
  const problem = (kind: 'refused' | 'failed' | 'waiting', code: string, message: string, version: string | null) => ({
    kind,
    code,
    message,
    version,
    at: clock.now().toISOString(),
  });
  const refused = (code: RefusalCode, message: string, version: string | null): CheckOutcome => {
    record('refused', version, code, message);
    set({ phase: readStaged() ? 'staged' : 'idle', progress: null, problem: problem('refused', code, message, version) });
    return { kind: 'refused', code, message, version };
  };
  const failed = (code: FailureCode, message: string): CheckOutcome => {
    record('failed', status.available?.version ?? null, code, message);
    set({ phase: readStaged() ? 'staged' : 'idle', progress: null, problem: problem('failed', code, message, status.available?.version ?? null) });
    return { kind: 'failed', code, message };
  };

  async function stage(release: Release): Promise<CheckOutcome> {
    const current = readStaged();
    if (current && current.version === release.version && current.sha512 === release.sha512 && current.size === release.size) {
      set({ phase: 'staged', problem: null });
      return { kind: 'staged', version: release.version, downloaded: false };
    }
    fs.mkdirSync(downloadDir, { recursive: true });
    // Named by the signed hash too: a part of another build under the same file name is never resumed.
    const hashTag = Buffer.from(release.sha512, 'base64').toString('hex').slice(0, 16);
    const part = path.join(downloadDir, `${release.file}.${hashTag}.part`);
    // A part of another release is of no use.
    for (const f of fs.readdirSync(downloadDir)) if (path.join(downloadDir, f) !== part) fs.rmSync(path.join(downloadDir, f), { force: true, recursive: true });
    const url = new URL(release.file, manifestUrl(settings)).href;
    set({ phase: 'downloading', progress: { bytes: 0, total: release.size }, problem: null });
    record('downloading', release.version, null, `downloading ${release.file} (${release.size} bytes)`);
    let lastEmit = 0;
    const result = await downloadToPart({
      ...transport,
      url,
      partFile: part,
      size: release.size,
      maxBytesPerSecond: settings.maxBytesPerSecond,
      signal: abort.signal,
      onProgress(bytes, total) {
        const now = clock.monotonicMs();
        if (bytes === total || now - lastEmit >= 250) {
          lastEmit = now;
          set({ progress: { bytes, total } });
        }
      },
    });
    if (!result.ok) return refused(result.code, result.message, release.version);
    set({ phase: 'verifying' });
    const digest = await deps.hashFile(part);
    const match = matchesRelease(digest, release);
    if (!match.ok) {
      fs.rmSync(part, { force: true });
      return refused(match.code, match.message, release.version);
    }
    // Staged only now, whole and verified: the older staged release goes; the running version stays where it is.
    fs.rmSync(stagedDir, { recursive: true, force: true });
    fs.mkdirSync(stagedDir, { recursive: true });
    const target = path.join(stagedDir, release.file);
    fs.renameSync(part, target);
    fs.chmodSync(target, 0o755);
    const info: Omit<StagedRelease, 'path'> = { version: release.version, file: release.file, size: release.size, sha512: release.sha512 };
    fs.writeFileSync(path.join(stagedDir, STAGED_INFO), `${JSON.stringify(info)}\n`);
    record('staged', release.version, null, `${release.file} verified (size and SHA-512) and staged`);
    set({ phase: 'staged', progress: null, staged: { version: release.version, file: release.file }, problem: null });
    return { kind: 'staged', version: release.version, downloaded: true };
  }

  async function runCheck(): Promise<CheckOutcome> {
    set({ phase: 'checking', lastCheckAt: clock.now().toISOString() });
    const url = manifestUrl(settings);
    const fetched = await getSmall(url, { ...transport, maxBytes: MAX_MANIFEST_BYTES, totalMs: settings.requestTimeoutMs });
    if (fetched.tooLarge) return refused('manifest-too-large', `${url} is over ${MAX_MANIFEST_BYTES} bytes`, null);
    if (fetched.status !== 200) return failed('http-status', `${url} answered ${fetched.status}`);
    // The update host's Date is not trusted (CONTRACTS.md: the cloud's Date and verified releasedAt only):
    // the host is trusted for delivery alone, and a hostile one sending a far-future Date would
    // otherwise make every later manifest "expired" for good (the trusted time never goes back).
    const verified = verifyManifest(fetched.body, deps.pinnedKeys);
    if (!verified.ok) return refused(verified.refusal.code, verified.refusal.message, null);
    const release = verified.release;
    const facts = state.facts();
    const decision = decideRelease(release, {
      kioskId: deps.kioskId,
      runningVersion: deps.runningVersion,
      channel: settings.channel,
      arch: settings.arch,
      highWater: facts.highWater,
      reverted: facts.reverted,
      now: clock.now(),
      lastTrustedTime: deps.clockTrust.lastTrustedTime(),
    });
    // Signed by a pinned key: its release time is trusted from now on (after judging this one).
    deps.clockTrust.trust(new Date(release.releasedAt));
    const available = { version: release.version, releasedAt: release.releasedAt, expiresAt: release.expiresAt, rolloutPercent: release.rolloutPercent, size: release.size };
    // The fleet admin withdrew the staged version (rollout 0, expired): it does not install.
    const staged = readStaged();
    if (staged && staged.version === release.version && decision.kind !== 'take' && decision.kind !== 'up-to-date') {
      fs.rmSync(stagedDir, { recursive: true, force: true });
      record('refused', staged.version, 'withdrawn', `${staged.version} is no longer offered to this kiosk: the staged copy is dropped`);
      set({ staged: null });
    }
    // CONTRACTS.md: the high-water mark is the highest version ever verified, so a kiosk outside a
    // rollout still refuses an older release replayed to it afterwards (not only the versions it took).
    if (decision.kind !== 'refused') state.raiseHighWater(release.version);
    if (decision.kind === 'refused') return refused(decision.refusal.code, decision.refusal.message, release.version);
    set({ available });
    if (decision.kind === 'up-to-date') {
      set({ phase: 'idle', problem: null });
      return { kind: 'up-to-date', version: release.version };
    }
    if (decision.kind === 'not-in-rollout') {
      const message = `this kiosk is outside the ${release.rolloutPercent} % rollout of ${release.version} (its place: ${decision.bucket.toFixed(1)})`;
      record('waiting', release.version, 'not-in-rollout', message);
      set({ phase: readStaged() ? 'staged' : 'idle', problem: problem('waiting', 'not-in-rollout', message, release.version) });
      return { kind: 'not-in-rollout', version: release.version };
    }
    return stage(release);
  }

  return {
    check() {
      running ??= runCheck()
        .catch((error: unknown) => {
          if (error instanceof TransportError) return failed(error.code, error.message);
          return failed('disk', (error as Error).message);
        })
        .finally(() => {
          running = null;
        });
      return running;
    },
    status: () => status,
    staged: readStaged,
    discardStaged() {
      fs.rmSync(stagedDir, { recursive: true, force: true });
      set({ phase: status.phase === 'staged' ? 'idle' : status.phase, staged: null });
    },
    async stop() {
      abort.abort();
      await running?.catch(() => undefined);
    },
  };
}
