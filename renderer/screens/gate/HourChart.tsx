/** Persons admitted today per hour (0–23) as a plain SVG bar chart, with the numbers as text too. */
import { useTranslation } from 'react-i18next';

const W = 720;
const H = 200;
const PAD_LEFT = 34;
const PAD_BOTTOM = 26;
const PAD_TOP = 16;

/** A round axis top at or above `max`. */
export function axisTop(max: number): number {
  if (max <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    const top = Math.ceil(max / (step * magnitude)) * step * magnitude;
    if (top / max < 1.6) return top;
  }
  return max;
}

export function HourChart({ perHour, currentHour }: { perHour: number[]; currentHour: number | null }) {
  const { t } = useTranslation();
  const hours = Array.from({ length: 24 }, (_, h) => perHour[h] ?? 0);
  const max = Math.max(0, ...hours);
  const top = axisTop(max);
  const plotW = W - PAD_LEFT - 4;
  const plotH = H - PAD_TOP - PAD_BOTTOM;
  const slot = plotW / 24;
  const total = hours.reduce((a, b) => a + b, 0);
  const y = (v: number) => PAD_TOP + plotH - (v / top) * plotH;
  return (
    <figure className="hour-chart" data-testid="admissions-chart" data-total={total}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('gate.admin.chartLabel', { count: total })} preserveAspectRatio="xMidYMid meet">
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD_LEFT} x2={W - 4} y1={y(top * f)} y2={y(top * f)} className="hour-chart__grid" />
            <text x={PAD_LEFT - 6} y={y(top * f) + 5} textAnchor="end" className="hour-chart__axis">
              {Math.round(top * f)}
            </text>
          </g>
        ))}
        {hours.map((v, h) => {
          const x = PAD_LEFT + h * slot + slot * 0.15;
          const barH = (v / top) * plotH;
          return (
            <g key={h} data-testid={`chart-hour-${h}`} data-hour={h} data-value={v}>
              <rect
                x={x}
                y={PAD_TOP + plotH - barH}
                width={slot * 0.7}
                height={Math.max(barH, v > 0 ? 2 : 0)}
                className={`hour-chart__bar${h === currentHour ? ' is-now' : ''}`}
              >
                <title>{t('gate.admin.chartBar', { hour: String(h).padStart(2, '0'), count: v })}</title>
              </rect>
              {v > 0 ? (
                <text x={x + slot * 0.35} y={PAD_TOP + plotH - barH - 4} textAnchor="middle" className="hour-chart__value">
                  {v}
                </text>
              ) : null}
              {h % 3 === 0 ? (
                <text x={x + slot * 0.35} y={H - 6} textAnchor="middle" className="hour-chart__axis">
                  {String(h).padStart(2, '0')}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="muted">{t('gate.admin.chartCaption', { count: total })}</figcaption>
    </figure>
  );
}
