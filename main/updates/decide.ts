/**
 * Whether this kiosk takes a verified release: pure, every input given.
 * Order: what the release is for (product, channel, arch), whether it is
 * still valid (expiry against the later of the clock and the last trusted
 * time), whether it moves forward (running version, high-water mark, a
 * version that was reverted here), and last whether the rollout includes
 * this kiosk (not a refusal: the kiosk waits for a wider rollout).
 */
import crypto from 'node:crypto';
import type { Release } from './manifest';
import { refuse, type Refusal } from './refusal';
import { compareSemVer } from './semver';

export const PRODUCT = 'booth';

export interface KioskUpdateFacts {
  kioskId: string;
  runningVersion: string;
  channel: string;
  arch: string;
  /** The highest version this kiosk ever verified, or null. */
  highWater: string | null;
  /** Versions the launcher went back from (never installed again). */
  reverted: readonly string[];
  /** The wall clock. */
  now: Date;
  /** The newest time the kiosk trusted (a verified releasedAt, a verified TLS Date), or null. */
  lastTrustedTime: Date | null;
}

export type ReleaseDecision =
  | { kind: 'take'; release: Release }
  | { kind: 'up-to-date'; release: Release }
  | { kind: 'not-in-rollout'; release: Release; bucket: number }
  | { kind: 'refused'; release: Release; refusal: Refusal };

/**
 * The kiosk's place in the rollout of `version`: a number in [0, 100) from a
 * stable hash of kiosk id and version, so a kiosk's place is the same on every
 * check and differs between releases (not always the same kiosks first).
 */
export function rolloutBucket(kioskId: string, version: string): number {
  const digest = crypto.createHash('sha256').update(`${kioskId}\n${version}`).digest();
  return (digest.readUInt32BE(0) / 2 ** 32) * 100;
}

export function inRollout(kioskId: string, version: string, rolloutPercent: number): boolean {
  return rolloutBucket(kioskId, version) < rolloutPercent;
}

/** The time expiry is judged against: the later of the clock and the last trusted time. */
export function judgedTime(now: Date, lastTrustedTime: Date | null): Date {
  return lastTrustedTime && lastTrustedTime.getTime() > now.getTime() ? lastTrustedTime : now;
}

export function decideRelease(release: Release, facts: KioskUpdateFacts): ReleaseDecision {
  const refused = (r: { refusal: Refusal }): ReleaseDecision => ({ kind: 'refused', release, refusal: r.refusal });
  if (release.product !== PRODUCT) return refused(refuse('wrong-product', `the release is for "${release.product}", not ${PRODUCT}`));
  if (release.channel !== facts.channel) return refused(refuse('wrong-channel', `the release is for channel "${release.channel}"; this kiosk follows "${facts.channel}"`));
  if (release.arch !== facts.arch) return refused(refuse('wrong-arch', `the release is for ${release.arch}; this kiosk is ${facts.arch}`));

  const at = judgedTime(facts.now, facts.lastTrustedTime);
  if (Date.parse(release.expiresAt) <= at.getTime()) {
    const basis = at === facts.now ? 'the clock' : `the last trusted time (the clock says ${facts.now.toISOString()})`;
    return refused(refuse('expired', `the manifest expired at ${release.expiresAt}; it is ${at.toISOString()} by ${basis}`));
  }

  const vsRunning = compareSemVer(release.version, facts.runningVersion);
  if (vsRunning === 0) return { kind: 'up-to-date', release };
  if (vsRunning < 0) return refused(refuse('older-than-running', `${release.version} is older than the running ${facts.runningVersion} (no rollback)`));
  if (facts.highWater && compareSemVer(release.version, facts.highWater) < 0) {
    return refused(refuse('below-high-water', `${release.version} is below ${facts.highWater}, the highest version this kiosk ever verified (no rollback)`));
  }
  if (facts.reverted.some((v) => compareSemVer(v, release.version) === 0)) {
    return refused(refuse('reverted-before', `${release.version} did not start on this kiosk and was reverted; a higher release fixes it`));
  }

  const bucket = rolloutBucket(facts.kioskId, release.version);
  if (bucket >= release.rolloutPercent) return { kind: 'not-in-rollout', release, bucket };
  return { kind: 'take', release };
}

/** The newer of the last trusted time and a newly trusted one. */
export function laterTrustedTime(current: Date | null, seen: Date | null): Date | null {
  if (!seen || Number.isNaN(seen.getTime())) return current;
  if (!current || seen.getTime() > current.getTime()) return seen;
  return current;
}
