/**
 * The receiver's signal over its latest packets: RSSI (dBm) as a line in a
 * plain SVG, with the newest, lowest and highest as text beside it (the chart
 * is never the only way to read it).
 */
import { useTranslation } from 'react-i18next';
import type { SignalPoint } from '../../../preload/contract';

const W = 600;
const H = 160;
const TOP = -30;
const BOTTOM = -130;

export function SignalChart({ points }: { points: SignalPoint[] }) {
  const { t } = useTranslation();
  if (points.length === 0) return <p className="muted" data-testid="signal-none">{t('intake.admin.noSignal')}</p>;
  const x = (i: number) => (points.length === 1 ? W / 2 : (i / (points.length - 1)) * W);
  const y = (rssi: number) => ((TOP - Math.max(BOTTOM, Math.min(TOP, rssi))) / (TOP - BOTTOM)) * H;
  const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.rssi).toFixed(1)}`).join(' ');
  const rssi = points.map((p) => p.rssi);
  return (
    <figure className="signal-chart" data-testid="signal-chart">
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={t('intake.admin.signal')}>
        {[-50, -80, -110].map((level) => (
          <line key={level} x1={0} x2={W} y1={y(level)} y2={y(level)} className="signal-chart__grid" />
        ))}
        <path d={line} className="signal-chart__line" vectorEffect="non-scaling-stroke" />
      </svg>
      <figcaption className="muted" data-testid="signal-caption">
        {t('intake.admin.signalCaption', { last: rssi.at(-1), min: Math.min(...rssi), max: Math.max(...rssi), count: points.length })}
      </figcaption>
    </figure>
  );
}
