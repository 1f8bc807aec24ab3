/**
 * When a staged release may install: pure. Never while a customer or money
 * is in motion; never with admissions or other uploads still queued; and by
 * itself only inside the maintenance window (the attendant's "install now"
 * stands in for the window, nothing else).
 */
export interface InstallBlocker {
  code: 'busy' | 'uploads-queued' | 'outside-window' | 'nothing-staged';
  detail: string | null;
}

// Building an Intl formatter costs far more than using one, and the status (with its blockers) is built at each progress step.
const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** "HH:MM" of `now` in the venue's time zone. */
export function localClockTime(now: Date, timeZone: string): string {
  let format = clockFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clockFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('hour')}:${get('minute')}`;
}

/** Inside [start, end) in the venue's time zone; an end before the start spans midnight. */
export function inMaintenanceWindow(now: Date, timeZone: string, window: { start: string; end: string }): boolean {
  const t = localClockTime(now, timeZone);
  if (window.start === window.end) return true;
  return window.start < window.end ? t >= window.start && t < window.end : t >= window.start || t < window.end;
}

export function installBlockers(facts: {
  staged: boolean;
  /** The modules' reasons: a customer mid-flow, a payout running or owed. */
  busy: readonly string[];
  pendingUploads: number;
  inWindow: boolean;
  attendantAsked: boolean;
}): InstallBlocker[] {
  const blockers: InstallBlocker[] = [];
  if (!facts.staged) blockers.push({ code: 'nothing-staged', detail: null });
  for (const reason of facts.busy) blockers.push({ code: 'busy', detail: reason });
  if (facts.pendingUploads > 0) blockers.push({ code: 'uploads-queued', detail: String(facts.pendingUploads) });
  if (!facts.inWindow && !facts.attendantAsked) blockers.push({ code: 'outside-window', detail: null });
  return blockers;
}
