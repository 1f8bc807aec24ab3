import { describe, expect, it } from 'vitest';
import { settleByHandCount } from '../../main/payout/hand-count';
import { askFlag, boundCoinCount, readJobAnswer } from '../../main/payout/jobs';

const job = { id: 'j1', transactionId: 't1', quarters: 20, status: 'pending', retryCount: 0, maxRetries: 3, createdAt: '2025-10-09T10:00:00Z' };

describe('reading an answer of jobs/pending', () => {
  it('reads null as no job, and a job as the seed sends it', () => {
    expect(readJobAnswer('null')).toEqual({ kind: 'none' });
    expect(readJobAnswer(JSON.stringify(job))).toEqual({ kind: 'job', job });
  });

  it('keeps the id of a job that cannot be read, so it can be reported; the same answer has the same fingerprint', () => {
    const text = JSON.stringify({ ...job, quarters: '20' });
    const answer = readJobAnswer(text);
    expect(answer).toMatchObject({ kind: 'unreadable', jobId: 'j1', transactionId: 't1', problem: expect.stringMatching(/^quarters: /) });
    expect(readJobAnswer(text)).toEqual(answer);
    expect(readJobAnswer(JSON.stringify({ ...job, quarters: '20', retryCount: 1 }))).not.toMatchObject({ fingerprint: (answer as { fingerprint: string }).fingerprint });
  });

  it('has no id for garbage, a number id, or an array; the excerpt is short and printable', () => {
    for (const text of ['{"id":', '[1,2]', '42', JSON.stringify({ ...job, id: 12345 }), JSON.stringify({ ...job, id: '' })]) {
      expect(readJobAnswer(text)).toMatchObject({ kind: 'unreadable', jobId: null });
    }
    const long = readJobAnswer(JSON.stringify({ id: 'x', junk: '\u0007é'.repeat(300) }));
    expect(long).toMatchObject({ kind: 'unreadable', jobId: 'x' });
    expect((long as { excerpt: string }).excerpt).toMatch(/^[\x20-\x7e]{200}$/);
  });
});

describe("bounding a job's count by what this kiosk sold", () => {
  it('pays no more than it sold, and flags more or fewer', () => {
    expect(boundCoinCount(20, 20, 400)).toEqual({ kind: 'owed', coins: 20, flag: null });
    expect(boundCoinCount(40, 20, 400)).toMatchObject({ kind: 'owed', coins: 20, flag: { reason: 'asked-more', error: 'quarters_over_amount' } });
    expect(boundCoinCount(1e9, 20, 400)).toMatchObject({ kind: 'owed', coins: 20, flag: { reason: 'asked-more' } });
    expect(boundCoinCount(10, 20, 400)).toMatchObject({ kind: 'owed', coins: 10, flag: { reason: 'asked-less', error: 'quarters_under_amount' } });
    expect(boundCoinCount(0, 20, 400)).toMatchObject({ kind: 'owed', coins: 0, flag: { reason: 'asked-less' } });
  });

  it('refuses what is not a count, and keeps over-limit counts of transactions it did not sell', () => {
    for (const q of [-5, 2.5, 1e20, Number.NaN]) expect(boundCoinCount(q, 20, 400).kind).toBe('invalid');
    expect(boundCoinCount(401, null, 400).kind).toBe('over-limit');
    expect(boundCoinCount(12, null, 400)).toEqual({ kind: 'owed', coins: 12, flag: null });
    expect(askFlag(-5, 20)).toBeNull();
    expect(askFlag(null, 20)).toBeNull();
  });
});

describe('the hand count', () => {
  it('settles what was owed: the remainder to pay, or an overpayment', () => {
    expect(settleByHandCount({ owed: 20, atLeast: 5, counted: 6 })).toEqual({ kind: 'settled', coinsPaid: 6, overpaid: 0, remainder: 14 });
    expect(settleByHandCount({ owed: 20, atLeast: 5, counted: 20 })).toEqual({ kind: 'settled', coinsPaid: 20, overpaid: 0, remainder: 0 });
    expect(settleByHandCount({ owed: 20, atLeast: 5, counted: 26 })).toEqual({ kind: 'settled', coinsPaid: 20, overpaid: 6, remainder: 0 });
  });

  it('never below what the kiosk saw paid', () => {
    expect(settleByHandCount({ owed: 20, atLeast: 5, counted: 4 })).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/at least 5/) });
    expect(settleByHandCount({ owed: 20, atLeast: 0, counted: 1.5 }).kind).toBe('refused');
  });
});
