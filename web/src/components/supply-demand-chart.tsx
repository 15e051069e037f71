/**
 * Stepwise supply and demand curves of one interval and their crossing, as plain SVG (a few
 * hundred steps at most need no charting library). The lines differ in dash as well as colour;
 * the caption states the clearing point, the clearing point is a keyboard stop that leads to the
 * table of every step (`#curve-steps`, which the page puts next to the figure). Colours are presentation attributes, not stylesheet rules, so
 * the first-load stylesheet stays as it is.
 */
import type { ClearingPoint, CurveStep } from '../lib/supply-demand.js';

const W = 640;
const H = 320;
const PAD = { left: 64, right: 20, top: 36, bottom: 44 };
const DEMAND = { stroke: 'var(--accent)', strokeWidth: 2.5 } as const;
const SUPPLY = { stroke: 'var(--good)', strokeWidth: 2.5, strokeDasharray: '7 4' } as const;
const CLEARING = { stroke: 'var(--bad)', strokeWidth: 1.5, strokeDasharray: '3 3' } as const;

export interface CurveLabels {
  readonly title: string;
  readonly desc: string;
  readonly demand: string;
  readonly supply: string;
  readonly clearing: string;
  readonly price: string;
  readonly energy: string;
}

function path(steps: readonly CurveStep[], x: (wh: number) => number, y: (p: number) => number): string {
  let d = '';
  for (const s of steps) {
    d += d === '' ? `M${x(s.fromWh).toFixed(1)},${y(s.price).toFixed(1)}` : `V${y(s.price).toFixed(1)}`;
    d += `H${x(s.toWh).toFixed(1)}`;
  }
  return d;
}

export function SupplyDemandChart({
  demand,
  supply,
  point,
  labels,
}: {
  demand: readonly CurveStep[];
  supply: readonly CurveStep[];
  point: ClearingPoint;
  labels: CurveLabels;
}) {
  const all = [...demand, ...supply];
  if (all.length === 0) return null;
  const maxWh = Math.max(1, ...all.map((s) => s.toWh));
  const prices = all.map((s) => s.price);
  const span = Math.max(1, Math.max(...prices) - Math.min(...prices));
  const lo = Math.max(0, Math.min(...prices) - span * 0.1);
  const hi = Math.max(...prices) + span * 0.1;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (wh: number) => PAD.left + (innerW * wh) / maxWh;
  const y = (p: number) => PAD.top + innerH * (1 - (p - lo) / (hi - lo));
  const bottom = H - PAD.bottom;
  return (
    <figure>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        className="chart"
        aria-labelledby="curves-title"
        aria-describedby="curves-desc"
        data-testid="curves-chart"
      >
        <title id="curves-title">{labels.title}</title>
        <line x1={PAD.left} x2={PAD.left + 22} y1={14} y2={14} {...DEMAND} />
        <text x={PAD.left + 26} y={18} className="label">
          {labels.demand}
        </text>
        <line x1={PAD.left + 220} x2={PAD.left + 242} y1={14} y2={14} {...SUPPLY} />
        <text x={PAD.left + 246} y={18} className="label">
          {labels.supply}
        </text>
        <line x1={PAD.left} x2={W - PAD.right} y1={bottom} y2={bottom} className="axis" />
        <line x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={bottom} className="axis" />
        <text x={PAD.left - 6} y={y(hi) + 10} textAnchor="end" className="label">
          {Math.round(hi).toLocaleString()}
        </text>
        <text x={PAD.left - 6} y={bottom} textAnchor="end" className="label">
          {Math.round(lo).toLocaleString()}
        </text>
        <text x={W - PAD.right} y={H - 22} textAnchor="end" className="label">
          {maxWh.toLocaleString()}
        </text>
        <text x={PAD.left + innerW / 2} y={H - 6} textAnchor="middle" className="label">
          {labels.energy}
        </text>
        <text
          x={12}
          y={PAD.top + innerH / 2}
          className="label"
          transform={`rotate(-90 12 ${PAD.top + innerH / 2})`}
          textAnchor="middle"
        >
          {labels.price}
        </text>
        <path d={path(demand, x, y)} {...DEMAND} fill="none" />
        <path d={path(supply, x, y)} {...SUPPLY} fill="none" />
        {point.price !== null && (
          <g data-testid="clearing-point">
            <line
              x1={x(point.volumeWh)}
              x2={x(point.volumeWh)}
              y1={y(point.price)}
              y2={bottom}
              {...CLEARING}
            />
            <line
              x1={PAD.left}
              x2={x(point.volumeWh)}
              y1={y(point.price)}
              y2={y(point.price)}
              {...CLEARING}
            />
            <a href="#curve-steps" data-testid="clearing-link">
              <circle cx={x(point.volumeWh)} cy={y(point.price)} r={5} fill="var(--bad)" />
              <text
                x={x(point.volumeWh) + 8}
                y={y(point.price) - 8}
                className="label"
                style={{ fill: 'var(--bad)' }}
              >
                {labels.clearing}: {point.price.toLocaleString()} / {point.volumeWh.toLocaleString()} Wh
              </text>
            </a>
          </g>
        )}
      </svg>
      <figcaption id="curves-desc">{labels.desc}</figcaption>
    </figure>
  );
}
