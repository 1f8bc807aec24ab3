/**
 * `booth release ...`: the fleet admin's side of signed updates, on a
 * laptop kept apart from the kiosks (docs/operations.md, "Shipping a release").
 *
 *   booth release keygen --out DIR
 *   booth release sign FILE --key KEY [--key KEY2] --channel stable --rollout 25 --expires 30d --out DIR [--version V] [--arch A]
 *   booth release verify DIR [--key-dir KEYS] [--running V] [--high-water V] [--kiosk-id ID] [--channel C] [--arch A]
 *
 * `verify` decides exactly as a kiosk does (same code) and exits 0 only when
 * a kiosk would install the release.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decideRelease, inRollout, PRODUCT } from '../updates/decide';
import { digestFile, matchesRelease } from '../updates/file-check';
import { defaultKeyDir, generateKeyPair, loadPinnedKeys } from '../updates/keys';
import { releaseFileName, releaseJson, releaseSchema, type Release } from '../updates/manifest';
import { isSemVer } from '../updates/semver';
import { signManifest, verifyManifest } from '../updates/verify';

export interface ReleaseIo {
  output: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** The clock (tests). */
  now?: () => Date;
}

const USAGE = `usage: booth release keygen --out DIR
       booth release sign FILE --key KEY [--key KEY2] --channel CHANNEL --rollout PERCENT --expires 30d|ISO --out DIR [--version V] [--arch arm64|x64]
       booth release verify DIR [--key-dir KEYS] [--running VERSION] [--high-water VERSION] [--kiosk-id ID] [--channel C] [--arch A]
`;

class UsageError extends Error {}

/** `--name value` and `--name=value`; repeated names collect; the rest are positional. */
function parseArgs(args: readonly string[]): { flags: Map<string, string[]>; positional: string[] } {
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { flags, positional };
}

function one(flags: Map<string, string[]>, name: string, required: true): string;
function one(flags: Map<string, string[]>, name: string, required?: false): string | undefined;
function one(flags: Map<string, string[]>, name: string, required = false): string | undefined {
  const values = flags.get(name);
  if (values && values.length > 1) throw new UsageError(`--${name} is given twice`);
  if (required && !values) throw new UsageError(`--${name} is required`);
  return values?.[0];
}

function checkFlags(flags: Map<string, string[]>, known: readonly string[]): void {
  for (const name of flags.keys()) if (!known.includes(name)) throw new UsageError(`unknown option --${name}`);
}

/** arm64 and x64, as Node and electron-builder name them. */
export function normalizeArch(text: string): string | null {
  const a = text.toLowerCase();
  if (a === 'arm64' || a === 'aarch64') return 'arm64';
  if (a === 'x64' || a === 'x86_64' || a === 'amd64') return 'x64';
  return null;
}

/** Version and arch from a name such as `Booth-0.3.0-arm64.AppImage` or `booth-0.3.0-aarch64.AppImage`. */
export function versionAndArchFromName(name: string): { version: string | null; arch: string | null } {
  const m = /^[A-Za-z]+[-_](\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+?)?)[-_](arm64|aarch64|x64|x86_64|amd64)\.AppImage$/i.exec(name);
  return m ? { version: m[1]!, arch: normalizeArch(m[2]!) } : { version: null, arch: null };
}

/** `30d`, `12h`, `90m` from now, or an ISO date. */
export function parseExpiry(text: string, now: Date): Date {
  const m = /^(\d+)([dhm])$/.exec(text);
  if (m) return new Date(now.getTime() + Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm']);
  const at = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(at.getTime())) throw new UsageError(`--expires ${text}: say 30d, 12h, 90m or an ISO date`);
  return at;
}

async function keygen(args: readonly string[], io: ReleaseIo): Promise<number> {
  const { flags, positional } = parseArgs(args);
  checkFlags(flags, ['out']);
  if (positional.length > 0) throw new UsageError(`unexpected ${positional[0]}`);
  const dir = one(flags, 'out', true);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pair = generateKeyPair();
  const privateFile = path.join(dir, `booth-release-${pair.keyId}.key`);
  const publicFile = path.join(dir, `booth-release-${pair.keyId}.pub`);
  // 'wx': never over an existing key; the mode is set at creation, before a byte is written.
  fs.writeFileSync(privateFile, pair.privatePem, { flag: 'wx', mode: 0o600 });
  fs.chmodSync(privateFile, 0o600);
  fs.writeFileSync(publicFile, pair.publicPem, { flag: 'wx', mode: 0o644 });
  io.output.write(
    `Key ${pair.keyId}:\n  private: ${privateFile} (mode 0600)\n  public:  ${publicFile}\n\n` +
      `WARNING: whoever has the private key can ship software to every kiosk that pins its public key.\n` +
      `Keep it offline (an encrypted USB stick in a safe, not a laptop or a CI server), never e-mail or commit it, and keep the two pinned keys apart.\n` +
      `To pin the public key: copy it into resources/update-keys/ in place of a placeholder (docs/operations.md, "Shipping a release").\n`,
  );
  return 0;
}

async function sign(args: readonly string[], io: ReleaseIo): Promise<number> {
  const { flags, positional } = parseArgs(args);
  checkFlags(flags, ['key', 'channel', 'rollout', 'expires', 'out', 'version', 'arch', 'released-at']);
  if (positional.length !== 1) throw new UsageError('sign takes one FILE');
  const file = positional[0]!;
  const name = path.basename(file);
  const fromName = versionAndArchFromName(name);
  const version = one(flags, 'version') ?? fromName.version;
  const archText = one(flags, 'arch');
  const arch = archText !== undefined ? normalizeArch(archText) : fromName.arch;
  if (!version || !isSemVer(version)) throw new UsageError(`no version: the file name (${name}) does not hold one; give --version X.Y.Z`);
  if (!arch) throw new UsageError(`no arch: the file name (${name}) does not hold one; give --arch arm64|x64`);
  if (!releaseFileName.safeParse(name).success) throw new UsageError(`${name}: the file name may hold only letters, digits, . _ + -`);
  const channel = one(flags, 'channel', true);
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(channel)) throw new UsageError('--channel: lowercase letters, digits and -');
  const rollout = Number(one(flags, 'rollout', true));
  if (!Number.isFinite(rollout) || rollout < 0 || rollout > 100) throw new UsageError('--rollout: a percent from 0 to 100');
  const now = io.now?.() ?? new Date();
  const releasedAt = one(flags, 'released-at') ?? now.toISOString();
  const expiresAt = parseExpiry(one(flags, 'expires', true), now);
  if (expiresAt.getTime() <= Date.parse(releasedAt)) throw new UsageError('--expires is not after the release time');
  const keys = (flags.get('key') ?? []).map((k) => {
    try {
      return crypto.createPrivateKey(fs.readFileSync(k, 'utf8'));
    } catch (error) {
      throw new UsageError(`--key ${k}: ${(error as Error).message}`);
    }
  });
  if (keys.length === 0) throw new UsageError('--key is required');
  if (keys.some((k) => k.asymmetricKeyType !== 'ed25519')) throw new UsageError('--key: an Ed25519 private key made by `booth release keygen`');
  const out = one(flags, 'out', true);

  const digest = await digestFile(file);
  const release: Release = releaseSchema.parse({
    product: PRODUCT,
    version,
    channel,
    arch,
    file: name,
    size: digest.size,
    sha512: digest.sha512,
    rolloutPercent: rollout,
    releasedAt,
    expiresAt: expiresAt.toISOString(),
  });
  fs.mkdirSync(out, { recursive: true });
  if (path.resolve(out, name) !== path.resolve(file)) fs.copyFileSync(file, path.join(out, name));
  fs.writeFileSync(path.join(out, 'manifest.json'), signManifest(releaseJson(release), keys));
  io.output.write(
    `Signed ${name}: booth ${version} for ${arch} on channel "${channel}", ${digest.size} bytes, rollout ${rollout} %, expires ${release.expiresAt}.\n` +
      `Upload the contents of ${out} (manifest.json and ${name}) to {updates.baseUrl}${channel}/${arch}/. Check it first: booth release verify ${out}\n`,
  );
  return 0;
}

async function verify(args: readonly string[], io: ReleaseIo): Promise<number> {
  const { flags, positional } = parseArgs(args);
  checkFlags(flags, ['key-dir', 'running', 'high-water', 'kiosk-id', 'channel', 'arch']);
  if (positional.length !== 1) throw new UsageError('verify takes one DIR');
  const dir = positional[0]!;
  const keyDir = one(flags, 'key-dir') ?? defaultKeyDir();
  const say = (line: string) => io.output.write(`${line}\n`);
  const refuse = (code: string, message: string) => {
    say(`A kiosk would REFUSE it (${code}): ${message}`);
    return 1;
  };
  const pinned = loadPinnedKeys(keyDir);
  say(`Trusting ${pinned.map((k) => k.keyId).join(', ')} (${keyDir}).`);
  const verified = verifyManifest(fs.readFileSync(path.join(dir, 'manifest.json')), pinned);
  if (!verified.ok) return refuse(verified.refusal.code, verified.refusal.message);
  const release = verified.release;
  say(`Signed by ${verified.keyId}: booth ${release.version} (${release.product}) for ${release.arch} on "${release.channel}", ${release.size} bytes, rollout ${release.rolloutPercent} %, expires ${release.expiresAt}.`);
  const running = one(flags, 'running') ?? '0.0.0';
  const highWater = one(flags, 'high-water') ?? null;
  for (const [flag, v] of [['running', running], ['high-water', highWater]] as const) {
    if (v !== null && !isSemVer(v)) throw new UsageError(`--${flag}: a semantic version`);
  }
  const kioskId = one(flags, 'kiosk-id');
  const decision = decideRelease(release, {
    kioskId: kioskId ?? '',
    runningVersion: running,
    channel: one(flags, 'channel') ?? release.channel,
    arch: normalizeArch(one(flags, 'arch') ?? release.arch) ?? release.arch,
    highWater,
    reverted: [],
    now: io.now?.() ?? new Date(),
    lastTrustedTime: null,
  });
  if (decision.kind === 'refused') return refuse(decision.refusal.code, decision.refusal.message);
  if (decision.kind === 'up-to-date') return refuse('up-to-date', `a kiosk running ${running} already has it`);
  const filePath = path.join(dir, release.file);
  if (!fs.existsSync(filePath)) return refuse('missing-file', `${release.file} is not in ${dir}`);
  const match = matchesRelease(await digestFile(filePath), release);
  if (!match.ok) return refuse(match.code, match.message);
  if (kioskId !== undefined && !inRollout(kioskId, release.version, release.rolloutPercent)) {
    return refuse('not-in-rollout', `kiosk ${kioskId} is outside the ${release.rolloutPercent} % rollout (it installs when the rollout widens)`);
  }
  if (kioskId === undefined && release.rolloutPercent === 0) return refuse('not-in-rollout', 'the rollout is 0 %: no kiosk installs it');
  say(`A kiosk${kioskId ? ` (${kioskId})` : ''} running ${running} on "${release.channel}" ${release.arch} would INSTALL it${kioskId ? '' : ` (if it falls in the ${release.rolloutPercent} % rollout)`}.`);
  return 0;
}

export async function runRelease(args: readonly string[], io: ReleaseIo): Promise<number> {
  const [sub, ...rest] = args;
  try {
    if (sub === 'keygen') return await keygen(rest, io);
    if (sub === 'sign') return await sign(rest, io);
    if (sub === 'verify') return await verify(rest, io);
    io.output.write(USAGE);
    return 2;
  } catch (error) {
    if (error instanceof UsageError) {
      io.output.write(`release ${sub}: ${error.message}\n${USAGE}`);
      return 2;
    }
    io.output.write(`release ${sub}: ${(error as Error).message}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && /cli[\\/]release\.(c?js|ts)$/.test(process.argv[1]);
if (invokedDirectly) {
  void runRelease(process.argv.slice(2), { output: process.stdout, env: process.env }).then((code) => process.exit(code));
}
