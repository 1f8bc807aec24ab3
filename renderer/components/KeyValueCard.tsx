/**
 * The admin pages' card of facts: a title, then label / value rows (a
 * two-column list that stays readable on a 7" screen), then anything else.
 */
import type { ReactNode } from 'react';

export interface KeyValueProps {
  label: string;
  children: ReactNode;
  testId?: string;
  /** The value is text main sent in English (attendant-only; left out of the translation check). */
  untranslated?: boolean;
}

export function KeyValue({ label, children, testId, untranslated }: KeyValueProps) {
  return (
    <div className="facts__row">
      <dt>{label}</dt>
      <dd data-testid={testId} data-untranslated={untranslated ? 'true' : undefined}>
        {children}
      </dd>
    </div>
  );
}

export interface KeyValueCardProps {
  title: ReactNode;
  /** KeyValue rows. */
  children?: ReactNode;
  /** Below the rows: hints, buttons, tables. */
  after?: ReactNode;
  className?: string;
  testId?: string;
}

export function KeyValueCard({ title, children, after, className, testId }: KeyValueCardProps) {
  return (
    <section className={`admin-card${className ? ` ${className}` : ''}`} data-testid={testId}>
      <h2>{title}</h2>
      {children ? <dl className="facts">{children}</dl> : null}
      {after}
    </section>
  );
}
