/**
 * Audit rows in words: each action main records has a name here; details
 * that are a word or a number main always writes the same way are worded
 * too. Anything else (free text, an action from a newer kiosk) is main's
 * English, shown as is for the attendant.
 */
import type { TFunction } from 'i18next';

export const AUDIT_ACTIONS = [
  'admin.unlock',
  'admin.exit',
  'admin.view',
  'admin.pin-wrong',
  'admin.pin-refused',
  'admin.locked',
  'admin.pin-rehashed',
  'gate.download-now',
  'gate.test-mode',
  'gate.resolve-flag',
  'sync.redrive',
  'payout.test-dispense',
  'payout.refilled',
  'payout.back-in-service',
  'payout.pay-owed',
  'payout.hand-count',
  'payout.dismiss',
  'api.job-run',
  'api.sessions-sync',
  'api.sessions-auto-complete',
  'sessions.start',
  'sessions.extend',
  'sessions.end',
  'sessions.move',
  'sessions.maintenance',
  'intake.reprocess',
  'sessions.resource-add',
  'sessions.resource-rename',
  'sessions.resource-retire',
] as const;

const known: ReadonlySet<string> = new Set(AUDIT_ACTIONS);

export interface AuditWords {
  text: string;
  /** False: main's own text (English). */
  translated: boolean;
}

const asIs = (text: string): AuditWords => ({ text, translated: false });

export function auditAction(action: string, t: TFunction): AuditWords {
  return known.has(action) ? { text: t(`admin.audit.actions.${action}`), translated: true } : asIs(action);
}

export function auditDetail(action: string, detail: string | null, t: TFunction): AuditWords | null {
  if (detail === null || detail === '') return null;
  const word = (key: string) => ({ text: t(key), translated: true });
  let m: RegExpExecArray | null;
  switch (action) {
    case 'admin.exit':
      if (detail === 'user' || detail === 'idle') return word(`admin.audit.details.exit.${detail}`);
      break;
    case 'admin.view':
      if (detail === 'overview' || detail === 'logs' || detail === 'audit') return word(`admin.tabs.${detail}`);
      break;
    case 'admin.pin-rehashed':
      if (detail === 'config' || detail === 'store') return word(`admin.audit.details.rehashed.${detail}`);
      break;
    case 'gate.test-mode':
      if (detail === 'on' || detail === 'off') return word(`gate.admin.${detail}`);
      break;
    case 'admin.pin-wrong':
      if ((m = /^failure (\d+)$/.exec(detail))) return { text: t('admin.audit.details.failure', { n: Number(m[1]) }), translated: true };
      break;
    case 'admin.pin-refused':
      if ((m = /^locked for (\d+) s$/.exec(detail))) return { text: t('admin.audit.details.lockedFor', { seconds: Number(m[1]) }), translated: true };
      break;
    case 'admin.locked':
      if ((m = /^(\d+) s$/.exec(detail))) return { text: t('admin.audit.details.lockedFor', { seconds: Number(m[1]) }), translated: true };
      break;
    case 'payout.refilled':
      if (/^\d+$/.test(detail)) return { text: t('admin.audit.details.coins', { count: Number(detail) }), translated: true };
      break;
    case 'sync.redrive':
      if (/^\d+$/.test(detail)) return { text: t('admin.audit.details.upload', { id: detail }), translated: true };
      break;
    case 'api.sessions-sync':
    case 'api.sessions-auto-complete':
      if ((m = /^key (.+), from (.+)$/.exec(detail))) return { text: t('admin.audit.details.apiCall', { key: m[1], ip: m[2] }), translated: true };
      break;
    case 'api.job-run':
      if ((m = /^(\S+) \(key (.+), from (.+)\)$/.exec(detail))) return { text: t('admin.audit.details.apiJob', { job: m[1], key: m[2], ip: m[3] }), translated: true };
      break;
    case 'sessions.start':
      if ((m = /^(.+): (\d+) min$/.exec(detail))) return { text: t('admin.audit.details.sessionMinutes', { name: m[1], count: Number(m[2]) }), translated: true };
      break;
    case 'sessions.extend':
      if ((m = /^(.+): \+(\d+) min$/.exec(detail))) return { text: t('admin.audit.details.sessionExtended', { session: m[1], count: Number(m[2]) }), translated: true };
      break;
    case 'sessions.end':
      return { text: t('admin.audit.details.session', { session: detail }), translated: true };
    case 'sessions.move':
      if ((m = /^(.+) to (.+)$/.exec(detail))) return { text: t('admin.audit.details.sessionMoved', { session: m[1], name: m[2] }), translated: true };
      break;
    case 'sessions.maintenance':
      if ((m = /^(.+): (on|off)$/.exec(detail))) return { text: t(`admin.audit.details.maintenance.${m[2]}`, { name: m[1] }), translated: true };
      break;
    case 'sessions.resource-add':
      if ((m = /^(.+) \((.+)\)$/.exec(detail))) return { text: t('admin.audit.details.resourceNamed', { name: m[1], kind: m[2] }), translated: true };
      break;
    case 'sessions.resource-rename':
      if ((m = /^(.+) to (.+) \((.+)\)$/.exec(detail))) return { text: t('admin.audit.details.resourceRenamed', { from: m[1], name: m[2], kind: m[3] }), translated: true };
      break;
    case 'sessions.resource-retire':
      return { text: detail, translated: true };
    case 'intake.reprocess':
      if (/^\d+$/.test(detail)) return { text: t('admin.audit.details.payload', { id: detail }), translated: true };
      break;
  }
  return asIs(detail);
}
