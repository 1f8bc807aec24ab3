/**
 * Named crash points for crash tests: with BOOTH_CRASH_AT=<name>[,<name>…] the
 * process kills itself (SIGKILL, like a power cut) when it reaches that step.
 * Without the variable this is a no-op.
 */
const armed = new Set((process.env.BOOTH_CRASH_AT ?? '').split(',').filter(Boolean));

export type CrashPoint =
  | 'gate.admit.in-transaction'
  | 'gate.admit.after-commit'
  | 'outbox.before-send'
  | 'outbox.after-response'
  | 'outbox.after-ack'
  | 'payout.after-job-recorded'
  | 'payout.after-intent'
  | 'payout.mid-dispense'
  | 'payout.after-motor'
  | 'payout.before-report'
  | 'sessions.expiry.in-transaction'
  | 'sessions.expiry.after-commit'
  | 'intake.after-buffer'
  | 'intake.in-transaction'
  | 'bookings.process.mid-clip'
  | 'bookings.upload.between-parts'
  | 'bookings.upload.before-outbox'
  | 'replica.apply.in-transaction'
  | 'replication.export.mid-stream';

export function crashPoint(name: CrashPoint): void {
  if (armed.size === 0 || !armed.has(name)) return;
  process.stderr.write(`crash point reached: ${name}\n`);
  process.kill(process.pid, 'SIGKILL');
}
