/**
 * Clearing price (line) and volume (bars) per interval, drawn as plain SVG: a few dozen points
 * do not need a charting library. The table next to it carries the same figures for screen readers.
 */
import type { IntervalSummary } from '../lib/types.js';

const W = 640;
const H = 220;
const PAD = { left: 76, right: 56, top: 28, bottom: 28 };

export interface ChartLabels {
  readonly title: string;
  readonly volume: string;
  readonly price: string;
}

export function PriceVolumeChart({
  rows,
  labels,
}: {
  rows: readonly IntervalSummary[];
  labels: ChartLabels;
}) {
  if (rows.length === 0) return null;
  const maxVolume = Math.max(1, ...rows.map((r) => r.volumeWh));
  const prices = rows.map((r) => r.clearingPricePerKwh ?? null);
  const maxPrice = Math.max(1, ...prices.map((p) => p ?? 0));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const step = innerW / rows.length;
  const x = (i: number) => PAD.left + step * i + step / 2;
  const yVolume = (v: number) => PAD.top + innerH * (1 - v / maxVolume);
  const yPrice = (p: number) => PAD.top + innerH * (1 - p / maxPrice);
  const line = prices
    .map((p, i) => (p === null ? null : `${x(i).toFixed(1)},${yPrice(p).toFixed(1)}`))
    .filter((point): point is string => point !== null)
    .join(' ');
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" aria-label={labels.title}>
      <title>{labels.title}</title>
      <rect x={PAD.left} y={6} width={10} height={10} className="bar" />
      <text x={PAD.left + 14} y={15} className="label">
        {labels.volume}
      </text>
      <line x1={PAD.left + 200} x2={PAD.left + 220} y1={11} y2={11} className="price" />
      <text x={PAD.left + 224} y={15} className="label price-label">
        {labels.price}
      </text>
      <line x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} className="axis" />
      {rows.map((r, i) => (
        <rect
          key={`${r.round}-${r.interval}`}
          x={x(i) - step * 0.35}
          width={step * 0.7}
          y={yVolume(r.volumeWh)}
          height={H - PAD.bottom - yVolume(r.volumeWh)}
          className="bar"
        />
      ))}
      <polyline points={line} className="price" fill="none" />
      <text x={PAD.left - 6} y={PAD.top + 4} textAnchor="end" className="label">
        {maxVolume.toLocaleString()}
      </text>
      <text x={W - PAD.right + 6} y={PAD.top + 4} className="label price-label">
        {maxPrice.toLocaleString()}
      </text>
      {rows.map((r, i) => (
        <text key={`l-${r.round}-${r.interval}`} x={x(i)} y={H - 10} textAnchor="middle" className="label">
          {r.interval}
        </text>
      ))}
    </svg>
  );
}
