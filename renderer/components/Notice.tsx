/** A result line that speaks by colour, icon and words together. */
import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon';

export type NoticeKind = 'ok' | 'error' | 'warning' | 'info' | 'locked';

const icons: Record<NoticeKind, IconName> = {
  ok: 'check',
  error: 'cross',
  warning: 'warning',
  info: 'info',
  locked: 'lock',
};

export function Notice({ kind, children, testId }: { kind: NoticeKind; children: ReactNode; testId?: string }) {
  return (
    <div className={`notice notice--${kind}`} data-testid={testId} data-kind={kind} role={kind === 'error' || kind === 'locked' ? 'alert' : 'status'}>
      <Icon name={icons[kind]} />
      <span className="notice__text">{children}</span>
    </div>
  );
}
