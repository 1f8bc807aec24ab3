/** Inline SVG icons (no icon fonts, no network). Always shown next to words, never alone. */
import type { ReactElement } from 'react';

export type IconName =
  | 'check'
  | 'cross'
  | 'dots'
  | 'warning'
  | 'lock'
  | 'clock'
  | 'ticket'
  | 'coins'
  | 'info'
  | 'backspace'
  | 'plug'
  | 'globe'
  | 'refresh';

const paths: Record<IconName, ReactElement> = {
  check: <path d="M5 12.5l4.5 4.5L19 7.5" fill="none" strokeWidth="3" strokeLinecap="round" strokeLinejoin="round" />,
  cross: <path d="M6 6l12 12M18 6L6 18" fill="none" strokeWidth="3" strokeLinecap="round" />,
  dots: (
    <g stroke="none" fill="currentColor">
      <circle cx="5" cy="12" r="2.2" />
      <circle cx="12" cy="12" r="2.2" />
      <circle cx="19" cy="12" r="2.2" />
    </g>
  ),
  warning: (
    <g fill="none" strokeWidth="2.4" strokeLinejoin="round" strokeLinecap="round">
      <path d="M12 3L2 21h20L12 3z" />
      <path d="M12 10v5M12 18v.5" />
    </g>
  ),
  lock: (
    <g fill="none" strokeWidth="2.4" strokeLinejoin="round">
      <rect x="4.5" y="10.5" width="15" height="10" rx="2" />
      <path d="M8 10.5V7a4 4 0 018 0v3.5" />
    </g>
  ),
  clock: (
    <g fill="none" strokeWidth="2.4" strokeLinecap="round">
      <circle cx="12" cy="12" r="9" />
      <path d="M12 7v5l3 2" />
    </g>
  ),
  ticket: (
    <g fill="none" strokeWidth="2.2" strokeLinejoin="round">
      <path d="M3 7h18v3a2 2 0 000 4v3H3v-3a2 2 0 000-4V7z" />
      <path d="M14 7v10" strokeDasharray="2 2" />
    </g>
  ),
  coins: (
    <g fill="none" strokeWidth="2.2">
      <ellipse cx="12" cy="6.5" rx="7" ry="3" />
      <path d="M5 6.5v5c0 1.7 3.1 3 7 3s7-1.3 7-3v-5M5 11.5v5c0 1.7 3.1 3 7 3s7-1.3 7-3v-5" />
    </g>
  ),
  info: (
    <g fill="none" strokeWidth="2.4" strokeLinecap="round">
      <circle cx="12" cy="12" r="9" />
      <path d="M12 11v6M12 7.5v.5" />
    </g>
  ),
  backspace: (
    <g fill="none" strokeWidth="2.2" strokeLinejoin="round" strokeLinecap="round">
      <path d="M9 5h11v14H9l-6-7 6-7z" />
      <path d="M12 9l5 6M17 9l-5 6" />
    </g>
  ),
  plug: (
    <g fill="none" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round">
      <path d="M9 3v5M15 3v5M6 8h12v3a6 6 0 01-12 0V8zM12 17v4" />
    </g>
  ),
  refresh: (
    <g fill="none" strokeWidth="2.4" strokeLinecap="round" strokeLinejoin="round">
      <path d="M20 12a8 8 0 11-2.34-5.66" />
      <path d="M20 4v5h-5" />
    </g>
  ),
  globe: (
    <g fill="none" strokeWidth="2">
      <circle cx="12" cy="12" r="9" />
      <path d="M3 12h18M12 3c3 3.5 3 14.5 0 18M12 3c-3 3.5-3 14.5 0 18" />
    </g>
  ),
};

export function Icon({ name, className }: { name: IconName; className?: string }) {
  return (
    <svg
      className={`icon${className ? ` ${className}` : ''}`}
      viewBox="0 0 24 24"
      stroke="currentColor"
      aria-hidden="true"
      focusable="false"
      data-icon={name}
    >
      {paths[name]}
    </svg>
  );
}
