/** A touch target of at least 64 px with large words (and an optional icon). */
import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { Icon, type IconName } from './Icon';

export interface BigButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  icon?: IconName;
  variant?: 'primary' | 'secondary' | 'danger' | 'ghost';
  children: ReactNode;
  testId?: string;
}

export function BigButton({ icon, variant = 'secondary', children, className, testId, type, ...rest }: BigButtonProps) {
  return (
    <button
      type={type ?? 'button'}
      className={`big-button big-button--${variant}${className ? ` ${className}` : ''}`}
      data-testid={testId}
      {...rest}
    >
      {icon ? <Icon name={icon} /> : null}
      <span className="big-button__label">{children}</span>
    </button>
  );
}
