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
  | 'refresh'
  | 'upload'
  | 'calendar'
  | 'help'
  | 'ban'
  | 'scan'
  | 'arrow'
  | 'person'
  | 'qr'
  | 'download'
  | 'chart'
  | 'cloud-off';

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
  upload: (
    <g fill="none" strokeWidth="2.4" strokeLinecap="round" strokeLinejoin="round">
      <path d="M12 15V4M7.5 8.5L12 4l4.5 4.5" />
      <path d="M4 14v5h16v-5" />
    </g>
  ),
  download: (
    <g fill="none" strokeWidth="2.4" strokeLinecap="round" strokeLinejoin="round">
      <path d="M12 4v11M7.5 10.5L12 15l4.5-4.5" />
      <path d="M4 14v5h16v-5" />
    </g>
  ),
  calendar: (
    <g fill="none" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round">
      <rect x="3.5" y="5" width="17" height="15" rx="2" />
      <path d="M3.5 10h17M8 3v4M16 3v4" />
    </g>
  ),
  help: (
    <g fill="none" strokeWidth="2.4" strokeLinecap="round">
      <circle cx="12" cy="12" r="9" />
      <path d="M9.3 9.3a2.8 2.8 0 115 1.7c-.9.8-2.3 1.4-2.3 3M12 17.3v.4" />
    </g>
  ),
  ban: (
    <g fill="none" strokeWidth="2.6" strokeLinecap="round">
      <circle cx="12" cy="12" r="9" />
      <path d="M5.7 5.7l12.6 12.6" />
    </g>
  ),
  scan: (
    <g fill="none" strokeWidth="2.2" strokeLinecap="round">
      <path d="M3 8V4h4M17 4h4v4M21 16v4h-4M7 20H3v-4" />
      <path d="M7.5 8v8M10.5 8v8M13 8v8M16.5 8v8" />
    </g>
  ),
  arrow: (
    <g fill="none" strokeWidth="2.8" strokeLinecap="round" strokeLinejoin="round">
      <path d="M4 12h15M13 6l6 6-6 6" />
    </g>
  ),
  person: (
    <g fill="none" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round">
      <circle cx="12" cy="7.5" r="3.5" />
      <path d="M5 20c0-4 3.1-6.5 7-6.5s7 2.5 7 6.5" />
    </g>
  ),
  qr: (
    <g fill="none" strokeWidth="2">
      <rect x="3.5" y="3.5" width="6" height="6" />
      <rect x="14.5" y="3.5" width="6" height="6" />
      <rect x="3.5" y="14.5" width="6" height="6" />
      <path d="M14.5 14.5h2.5v2.5h-2.5zM18 18h2.5v2.5H18zM14.5 20.5h1M20.5 14.5v1" />
    </g>
  ),
  chart: (
    <g fill="none" strokeWidth="2.2" strokeLinecap="round">
      <path d="M4 20h16M7 17v-5M11 17V7M15 17v-8M19 17v-3" />
    </g>
  ),
  'cloud-off': (
    <g fill="none" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round">
      <path d="M7.5 18.5h9.8a3.7 3.7 0 00.7-7.33A6 6 0 006.3 9.6a4.5 4.5 0 001.2 8.9z" />
      <path d="M4 4l16 16" />
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
