/**
 * Persons admitted today per hour (0–23) as a plain SVG bar chart, with the
 * numbers as text too. The drawing is as wide as its box in pixels (one unit
 * is one pixel), so its labels are 16 px at every screen size; the current
 * hour's bar, label and count stand out.
 */
import { useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';

const H = 220;
const PAD_LEFT = 40;
const PAD_RIGHT = 6;
const PAD_BOTTOM = 28;
const PAD_TOP = 22;
const LABEL_PX = 16;
/** A digit at LABEL_PX, roughly, to tell whether a count fits above its bar. */
const DIGIT_PX = 10;

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

function useWidth<E extends HTMLElement>(fallback: number): [RefObject<E | null>, number] {
  const ref = useRef<E | null>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const measure = () => setWidth(Math.max(240, Math.floor(el.clientWidth)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export function HourChart({ perHour, currentHour }: { perHour: number[]; currentHour: number | null }) {
  const { t } = useTranslation();
  const [box, W] = useWidth<HTMLElement>(720);
  const hours = Array.from({ length: 24 }, (_, h) => perHour[h] ?? 0);
  const max = Math.max(0, ...hours);
  const top = axisTop(max);
  const plotW = W - PAD_LEFT - PAD_RIGHT;
  const plotH = H - PAD_TOP - PAD_BOTTOM;
  const slot = plotW / 24;
  const total = hours.reduce((a, b) => a + b, 0);
  const y = (v: number) => PAD_TOP + plotH - (v / top) * plotH;
  // Hour labels every 3 hours, or every 6 where 3 would crowd; the current hour always.
  const every = slot * 3 >= 2.6 * DIGIT_PX ? 3 : 6;
  return (
    <figure className="hour-chart" data-testid="admissions-chart" data-total={total} ref={box}>
      <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('gate.admin.chartLabel', { count: total })}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD_LEFT} x2={W - PAD_RIGHT} y1={y(top * f)} y2={y(top * f)} className="hour-chart__grid" />
            <text x={PAD_LEFT - 6} y={y(top * f) + 5} textAnchor="end" className="hour-chart__axis" fontSize={LABEL_PX}>
              {Math.round(top * f)}
            </text>
          </g>
        ))}
        {hours.map((v, h) => {
          const x = PAD_LEFT + h * slot + slot * 0.15;
          const mid = x + slot * 0.35;
          const barH = (v / top) * plotH;
          const now = h === currentHour;
          const valueFits = String(v).length * DIGIT_PX <= slot * 1.1;
          return (
            <g key={h} data-testid={`chart-hour-${h}`} data-hour={h} data-value={v} data-now={now ? 'true' : undefined}>
              {now ? <rect x={PAD_LEFT + h * slot} y={PAD_TOP - 4} width={slot} height={plotH + 4} className="hour-chart__now" /> : null}
              <rect
                x={x}
                y={PAD_TOP + plotH - barH}
                width={slot * 0.7}
                height={Math.max(barH, v > 0 ? 2 : 0)}
                className={`hour-chart__bar${now ? ' is-now' : ''}`}
              >
                <title>{t('gate.admin.chartBar', { hour: String(h).padStart(2, '0'), count: v })}</title>
              </rect>
              {v > 0 && (valueFits || now) ? (
                <text x={mid} y={PAD_TOP + plotH - barH - 5} textAnchor="middle" className={`hour-chart__value${now ? ' is-now' : ''}`} fontSize={LABEL_PX}>
                  {v}
                </text>
              ) : null}
              {(h % every === 0 && !(currentHour !== null && Math.abs(h - currentHour) === 1)) || now ? (
                <text x={mid} y={H - 8} textAnchor="middle" className={`hour-chart__axis${now ? ' is-now' : ''}`} fontSize={LABEL_PX}>
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
