import { describe, expect, it } from 'vitest';
import { decide, type DecisionInput } from '../../main/gate/decide';
import { configSchema } from '../../main/config';
import { compileReferencePattern, readScanCode } from '../../main/gate/scan-code';

const base: DecisionInput = {
  reference: '20260115-000001',
  test: false,
  testMode: false,
  attraction: 'A',
  today: '2026-01-15',
  validDaysBefore: 0,
  validDaysAfter: 0,
  ticket: { bookingDate: '2026-01-15', withdrawnAt: null, allowance: { pax: 3, serverUsed: 0 }, pendingPersons: 0, includedPersons: 0 },
  testPersonsUsed: 0,
  lastDownloadAt: '2026-01-15T02:00:00.000Z',
  lastUse: null,
};
const withTicket = (patch: Partial<NonNullable<DecisionInput['ticket']>>): DecisionInput => ({ ...base, ticket: { ...base.ticket!, ...patch } });

describe('gate decision', () => {
  it('is VALID with the persons left after the server count and local admissions', () => {
    expect(decide(withTicket({ allowance: { pax: 4, serverUsed: 1 }, pendingPersons: 2 }))).toEqual({
      kind: 'valid', reference: base.reference, bookingDate: '2026-01-15', pax: 4, left: 1, test: false,
    });
  });

  it('never counts fewer persons than this kiosk had acknowledged, whatever the server says', () => {
    // The server lost its count (restarted at 0) after acknowledging 1 of this kiosk's persons.
    expect(decide(withTicket({ allowance: { pax: 1, serverUsed: 0 }, includedPersons: 1 })).kind).toBe('already-used');
    expect(decide(withTicket({ allowance: { pax: 3, serverUsed: 1 }, includedPersons: 2, pendingPersons: 0 }))).toMatchObject({ kind: 'valid', left: 1 });
    // A server count above this kiosk's own (other gates) is the one that counts.
    expect(decide(withTicket({ allowance: { pax: 4, serverUsed: 3 }, includedPersons: 1, pendingPersons: 0 }))).toMatchObject({ kind: 'valid', left: 1 });
  });

  it('is ALREADY USED when nobody is left, saying when it was last used here', () => {
    const input = { ...withTicket({ allowance: { pax: 2, serverUsed: 1 }, pendingPersons: 1 }), lastUse: { at: '2026-01-15T03:00:00Z', gate: 'Gate A' } };
    expect(decide(input)).toEqual({ kind: 'already-used', reference: base.reference, pax: 2, lastUsedAt: '2026-01-15T03:00:00Z', lastUsedGate: 'Gate A', usedElsewhere: false });
    // The server counts a person this gate did not admit: another gate was used too.
    expect(decide({ ...input, ticket: { ...input.ticket!, pendingPersons: 0, includedPersons: 1, allowance: { pax: 2, serverUsed: 2 } } })).toMatchObject({ usedElsewhere: true });

    // A server count above pax (over-admission elsewhere) is still "used", never negative persons.
    expect(decide(withTicket({ allowance: { pax: 2, serverUsed: 5 } })).kind).toBe('already-used');
  });

  it('is NOT FOR THIS ATTRACTION without an allowance here or with pax 0', () => {
    expect(decide(withTicket({ allowance: null }))).toEqual({ kind: 'not-for-attraction', reference: base.reference, attraction: 'A' });
    expect(decide(withTicket({ allowance: { pax: 0, serverUsed: 0 } })).kind).toBe('not-for-attraction');
  });

  it('is WRONG DAY outside the configured window, in the venue calendar', () => {
    expect(decide(withTicket({ bookingDate: '2026-01-14' }))).toEqual({ kind: 'wrong-day', reference: base.reference, bookingDate: '2026-01-14', today: '2026-01-15' });
    expect(decide(withTicket({ bookingDate: '2026-01-16' })).kind).toBe('wrong-day');
    expect(decide({ ...withTicket({ bookingDate: '2026-01-14' }), validDaysAfter: 1 }).kind).toBe('valid');
    expect(decide({ ...withTicket({ bookingDate: '2026-01-17' }), validDaysBefore: 1 }).kind).toBe('wrong-day');
    expect(decide({ ...withTicket({ bookingDate: '2026-01-17' }), validDaysBefore: 2 }).kind).toBe('valid');
  });

  it('is UNKNOWN when not stored, with the time of the last download', () => {
    expect(decide({ ...base, ticket: null })).toEqual({ kind: 'unknown', reference: base.reference, lastDownloadAt: '2026-01-15T02:00:00.000Z' });
  });

  it('is WITHDRAWN when a later complete download no longer had it', () => {
    expect(decide(withTicket({ withdrawnAt: '2026-01-15T01:00:00Z' }))).toEqual({ kind: 'withdrawn', reference: base.reference, withdrawnAt: '2026-01-15T01:00:00Z' });
  });

  it('refuses a test ticket outside test mode and accepts it, marked, in test mode', () => {
    const test = { ...base, reference: '20260115-000001-dummy', test: true, ticket: null };
    expect(decide(test)).toEqual({ kind: 'test-ticket', reference: test.reference });
    expect(decide({ ...test, testMode: true })).toMatchObject({ kind: 'valid', test: true, left: 1 });
    expect(decide({ ...test, testMode: true, testPersonsUsed: 1 }).kind).toBe('already-used');
    // A downloaded test ticket uses its own allowance, on any day.
    expect(decide({ ...test, testMode: true, ticket: { ...base.ticket!, bookingDate: '2025-01-01' } })).toMatchObject({ kind: 'valid', test: true, left: 3 });
  });
});

describe('scanned codes', () => {
  // The default gate.referencePattern, as a kiosk without one in its config reads scans.
  const rules = { maxLength: 64, pattern: compileReferencePattern(configSchema.parse({}).gate.referencePattern) };
  const live = (reference: string) => ({ ok: true, reference, test: false });
  const unreadable = { ok: false, reason: 'no-reference' };

  it('reads a live and a test reference, trimmed', () => {
    expect(readScanCode('  20260115-000001\r\n', rules)).toEqual({ ok: true, reference: '20260115-000001', test: false });
    expect(readScanCode('20260115-000001-dummy', rules)).toEqual({ ok: true, reference: '20260115-000001-dummy', test: true });
  });

  it('extracts the reference from a QR code URL or text where it stands between delimiters', () => {
    expect(readScanCode('https://tickets.example/t/20260115-000042?lang=id', rules)).toEqual(live('20260115-000042'));
    expect(readScanCode('https://tickets.example/t/20260115-000042', rules)).toEqual(live('20260115-000042'));
    expect(readScanCode('https://tickets.example/t/20260115-000042/', rules)).toEqual(live('20260115-000042'));
    expect(readScanCode('https://tickets.example/scan?ref=20260115-000042&lang=id', rules)).toEqual(live('20260115-000042'));
    expect(readScanCode('https://tickets.example/#20260115-000042', rules)).toEqual(live('20260115-000042'));
    expect(readScanCode('REF: 20260115-000042', rules)).toEqual(live('20260115-000042'));
  });

  it('calls glued codes and a reference inside a longer digit string UNREADABLE', () => {
    expect(readScanCode('20260115-00000120260115-000002', rules)).toEqual(unreadable);
    expect(readScanCode('20260115-000001 20260115-000002', rules)).toEqual(unreadable);
    expect(readScanCode('https://tickets.example/t/20260115-000001/20260115-000002', rules)).toEqual(unreadable);
    expect(readScanCode('120260115-0000012', rules)).toEqual(unreadable);
    expect(readScanCode('20260115-0000012', rules)).toEqual(unreadable);
    expect(readScanCode('9920260115-000001', rules)).toEqual(unreadable);
    expect(readScanCode('x20260115-000001', rules)).toEqual(unreadable);
    expect(readScanCode('20260115-000001-dummyx', rules)).toEqual(unreadable);
  });

  it('reads a test suffix in any case as the test ticket, never the live one, with any pattern', () => {
    const test = { ok: true, reference: '20260115-000001-dummy', test: true };
    expect(readScanCode('20260115-000001-DUMMY', rules)).toEqual(test);
    expect(readScanCode('20260115-000001-Dummy', rules)).toEqual(test);
    expect(readScanCode('https://tickets.example/t/20260115-000001-DUMMY?x=1', rules)).toEqual(test);
    // A configured pattern that stops at the live reference (the old default) still sees the suffix.
    const older = { maxLength: 64, pattern: compileReferencePattern('(\\d{8}-\\d{6}(?:-dummy)?)') };
    expect(readScanCode('20260115-000001-DUMMY', older)).toEqual(test);
    expect(readScanCode('20260115-000001-dummy', older)).toEqual(test);
    expect(readScanCode('https://x/t/20260115-000001?lang=id', older)).toEqual(live('20260115-000001'));
    // A configured pattern is used as documented: its first group is the reference.
    const custom = { maxLength: 64, pattern: compileReferencePattern('ticket=([A-Z]{2}\\d{4})') };
    expect(readScanCode('https://x/?ticket=AB1234', custom)).toEqual(live('AB1234'));
  });

  it('calls empty, overlong, control-byte and patternless lines UNREADABLE', () => {
    expect(readScanCode('   ', rules)).toEqual({ ok: false, reason: 'empty' });
    expect(readScanCode('2'.repeat(65), rules)).toEqual({ ok: false, reason: 'too-long' });
    expect(readScanCode('2026\u0000115-000001', rules)).toEqual({ ok: false, reason: 'control-bytes' });
    expect(readScanCode('20260115-000001\u001b[2J', rules)).toEqual({ ok: false, reason: 'control-bytes' });
    expect(readScanCode("'; DROP TABLE tickets; --", rules)).toEqual({ ok: false, reason: 'no-reference' });
    expect(readScanCode('<img src=x onerror=alert(1)>', rules)).toEqual({ ok: false, reason: 'no-reference' });
  });
});
