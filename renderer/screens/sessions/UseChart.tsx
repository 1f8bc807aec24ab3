/** Minutes of use per resource today, as horizontal bars (an SVG, so it scales to any screen). */
import { useTranslation } from 'react-i18next';
import type { ResourceUse } from '../../../preload/contract';

const ROW = 28;
const LABEL = 90;
const WIDTH = 600;

export function UseChart({ use }: { use: ResourceUse[] }) {
  const { t } = useTranslation();
  const most = Math.max(60, ...use.map((u) => u.minutes));
  const height = Math.max(ROW, use.length * ROW);
  return (
    <svg className="sessions-chart" data-testid="sessions-use-chart" viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label={t('sessions.admin.use')}>
      {use.map((u, i) => {
        const bar = ((WIDTH - LABEL - 150) * u.minutes) / most;
        return (
          <g key={u.resourceId} transform={`translate(0 ${i * ROW})`} data-testid={`sessions-use-${u.name}`} data-minutes={u.minutes}>
            <text x={0} y={ROW * 0.68} className="sessions-chart__label">
              {u.name}
            </text>
            <rect x={LABEL} y={ROW * 0.18} width={Math.max(1, bar)} height={ROW * 0.64} className="sessions-chart__bar" />
            <text x={LABEL + bar + 8} y={ROW * 0.68} className="sessions-chart__value">
              {t('sessions.admin.useMinutes', { minutes: u.minutes, sessions: u.sessions })}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
