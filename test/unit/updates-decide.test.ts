import { describe, expect, it } from 'vitest';
import { decideRelease, inRollout, judgedTime, type KioskUpdateFacts } from '../../main/updates/decide';
import { releaseJson } from '../../main/updates/manifest';
import { compareSemVer, isSemVer } from '../../main/updates/semver';
import { verifyManifest } from '../../main/updates/verify';
import { signedManifest, testKey, testRelease } from '../support/releases';

const pinnedA = testKey();
const pinnedB = testKey();
const stranger = testKey();
const pinned = [pinnedA.pinned, pinnedB.pinned];

const facts: KioskUpdateFacts = {
  kioskId: 'kiosk-1',
  runningVersion: '0.2.0',
  channel: 'stable',
  arch: 'arm64',
  highWater: null,
  reverted: [],
  now: new Date('2026-01-15T03:00:00Z'),
  lastTrustedTime: null,
};

function verified(bytes: Buffer) {
  const result = verifyManifest(bytes, pinned);
  if (!result.ok) throw new Error(`refused: ${result.refusal.code} ${result.refusal.message}`);
  return result.release;
}

const refusalOf = (bytes: Buffer) => {
  const result = verifyManifest(bytes, pinned);
  return result.ok ? 'accepted' : result.refusal.code;
};

describe('manifest signature', () => {
  it('accepts a release signed by either pinned key (so one key can rotate the other)', () => {
    expect(verified(signedManifest(testRelease(), [pinnedA])).version).toBe('0.3.0');
    expect(verified(signedManifest(testRelease(), [pinnedB])).version).toBe('0.3.0');
    expect(verified(signedManifest(testRelease(), [stranger, pinnedB])).version).toBe('0.3.0');
  });

  it('refuses a signature by a key that is not pinned', () => {
    expect(refusalOf(signedManifest(testRelease(), [stranger]))).toBe('unpinned-key');
  });

  it('refuses a manifest that brings its own public key, signed by it', () => {
    const envelope = JSON.parse(signedManifest(testRelease(), [stranger]).toString()) as { signatures: Record<string, string>[] };
    envelope.signatures[0]!.publicKey = stranger.publicPem;
    (envelope as Record<string, unknown>).keys = [{ keyId: stranger.keyId, publicKey: stranger.publicPem }];
    expect(refusalOf(Buffer.from(JSON.stringify(envelope)))).toBe('unpinned-key');
  });

  it('refuses a signature under a pinned key id that the key did not make', () => {
    const envelope = JSON.parse(signedManifest(testRelease(), [stranger]).toString()) as { signatures: { keyId: string }[] };
    envelope.signatures[0]!.keyId = pinnedA.keyId;
    expect(refusalOf(Buffer.from(JSON.stringify(envelope)))).toBe('bad-signature');
  });

  it('refuses the signed JSON edited by one byte after signing', () => {
    const envelope = JSON.parse(signedManifest(testRelease({ size: 1000 }), [pinnedA]).toString()) as { signed: string };
    const text = Buffer.from(envelope.signed, 'base64').toString().replace('"size":1000', '"size":9000');
    envelope.signed = Buffer.from(text).toString('base64');
    expect(refusalOf(Buffer.from(JSON.stringify(envelope)))).toBe('bad-signature');
    // the same JSON re-serialized with other spacing is other bytes: not what was signed
    const spaced = JSON.parse(signedManifest(testRelease(), [pinnedA]).toString()) as { signed: string };
    spaced.signed = Buffer.from(JSON.stringify(JSON.parse(Buffer.from(spaced.signed, 'base64').toString()), null, 1)).toString('base64');
    expect(refusalOf(Buffer.from(JSON.stringify(spaced)))).toBe('bad-signature');
  });

  it('ignores unknown fields in the signed JSON (newer releases may add some)', () => {
    const text = releaseJson(testRelease()).replace(/}$/, ',"notes":"faster"}');
    expect(verified(signedManifest(text, [pinnedA])).version).toBe('0.3.0');
  });

  it('refuses a manifest over 64 KiB, non-JSON, and lax base64', () => {
    expect(refusalOf(Buffer.alloc(64 * 1024 + 1, 0x20))).toBe('manifest-too-large');
    expect(refusalOf(Buffer.from('not json'))).toBe('malformed');
    const envelope = JSON.parse(signedManifest(testRelease(), [pinnedA]).toString()) as { signed: string };
    envelope.signed = envelope.signed.replace(/=+$/, '');
    expect(refusalOf(Buffer.from(JSON.stringify(envelope)))).toBe('malformed');
  });

  it('refuses a signed release whose file is a path, or whose version is not semver', () => {
    expect(refusalOf(signedManifest(testRelease({ file: '../booth' }), [pinnedA]))).toBe('malformed');
    expect(refusalOf(signedManifest(testRelease({ version: 'v1' }), [pinnedA]))).toBe('malformed');
  });
});

describe('release decision', () => {
  const decide = (patch: Parameters<typeof testRelease>[0], over: Partial<KioskUpdateFacts> = {}) => {
    const d = decideRelease(testRelease(patch), { ...facts, ...over });
    return d.kind === 'refused' ? d.refusal.code : d.kind;
  };

  it('takes a newer release for its product, channel and arch', () => {
    expect(decide({})).toBe('take');
  });

  it('refuses another product, channel or arch', () => {
    expect(decide({ product: 'other' })).toBe('wrong-product');
    expect(decide({ channel: 'beta' })).toBe('wrong-channel');
    expect(decide({ arch: 'x64' })).toBe('wrong-arch');
  });

  it('refuses a version older than the running one, and calls the same one up to date', () => {
    expect(decide({ version: '0.1.9' })).toBe('older-than-running');
    expect(decide({ version: '0.2.0' })).toBe('up-to-date');
    expect(decide({ version: '0.2.0-rc.1' })).toBe('older-than-running');
  });

  it('refuses a signed release below the highest version ever accepted', () => {
    expect(decide({ version: '0.3.0' }, { highWater: '0.4.0' })).toBe('below-high-water');
    expect(decide({ version: '0.4.0' }, { highWater: '0.4.0' })).toBe('take');
    expect(decide({ version: '0.4.0' }, { highWater: '0.4.0', reverted: ['0.4.0'] })).toBe('reverted-before');
    expect(decide({ version: '0.4.1' }, { highWater: '0.4.0', reverted: ['0.4.0'] })).toBe('take');
  });

  it('refuses an expired manifest, judged against the later of the clock and the last trusted time', () => {
    expect(decide({ expiresAt: '2026-01-15T02:59:59Z' })).toBe('expired');
    expect(decide({ expiresAt: '2026-01-15T03:00:00Z' })).toBe('expired');
    // a Pi without RTC boots in 1970: the last trusted time still says the manifest expired
    const at1970 = { now: new Date(0), lastTrustedTime: new Date('2026-01-14T00:00:00Z') };
    expect(decide({ expiresAt: '2026-01-13T00:00:00Z' }, at1970)).toBe('expired');
    expect(decide({ expiresAt: '2026-01-20T00:00:00Z' }, at1970)).toBe('take');
    expect(judgedTime(new Date(0), null).getTime()).toBe(0);
  });

  it('waits outside the rollout (not a refusal)', () => {
    expect(decide({ rolloutPercent: 0 })).toBe('not-in-rollout');
    expect(decide({ rolloutPercent: 100 })).toBe('take');
  });
});

describe('rollout', () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => `kiosk-${i}-${(i * 2654435761) % 1e9}`);
  it.each([1, 10, 25, 50, 90])('spreads 10,000 kiosk ids within ±2 %% of %i %%', (percent) => {
    const inside = ids.filter((id) => inRollout(id, '0.3.0', percent)).length / ids.length;
    expect(Math.abs(inside * 100 - percent)).toBeLessThanOrEqual(2);
  });

  it('is stable for a kiosk and a version, and widening it keeps the kiosks already in', () => {
    const at25 = ids.filter((id) => inRollout(id, '0.3.0', 25));
    expect(ids.filter((id) => inRollout(id, '0.3.0', 25))).toEqual(at25);
    expect(at25.every((id) => inRollout(id, '0.3.0', 50))).toBe(true);
    // another version picks other kiosks first
    const next = ids.filter((id) => inRollout(id, '0.4.0', 25));
    expect(next.filter((id) => at25.includes(id)).length).toBeLessThan(at25.length * 0.4);
  });
});

describe('semver', () => {
  it('orders versions as semver.org does', () => {
    const sorted = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.10.0', '2.0.0'];
    for (let i = 1; i < sorted.length; i++) expect(compareSemVer(sorted[i - 1]!, sorted[i]!)).toBeLessThan(0);
    expect(compareSemVer('1.0.0+build.1', '1.0.0')).toBe(0);
    expect(isSemVer('01.0.0')).toBe(false);
    expect(isSemVer('1.0')).toBe(false);
  });
});
