/**
 * The feeder as a single-line diagram in SVG. Every bus and line is a focusable element with a
 * spoken label, so the diagram is read with the keyboard as well as seen; colour is doubled by
 * line width, dashes and marker size, and the legend says what each means.
 */

import type { MessageKey } from '../i18n/dict.js';
import { useI18n } from '../i18n/i18n.js';
import {
  BUSES,
  DIAGRAM_HEIGHT,
  DIAGRAM_WIDTH,
  type DiagramBus,
  type DiagramLine,
  FEEDER_LINES,
  linePath,
} from '../lib/ieee33.js';
import { type Flags, lineId } from '../lib/market-state.js';

export type LineStatus = 'ok' | 'overload' | 'open' | 'unknown';
export type BusStatus = 'ok' | 'low' | 'high' | 'substation' | 'unknown';

export function lineStatus(line: DiagramLine, flags: Flags | null): LineStatus {
  if (!line.inService) return 'open';
  if (flags === null) return 'unknown';
  return flags.lines.has(lineId(line.from, line.to)) ? 'overload' : 'ok';
}

export function busStatus(bus: DiagramBus, flags: Flags | null): BusStatus {
  if (flags === null) return 'unknown';
  if (flags.substation.has(bus.id)) return 'substation';
  if (flags.voltageLow.has(bus.id)) return 'low';
  if (flags.voltageHigh.has(bus.id)) return 'high';
  return 'ok';
}

const LINE_TEXT: Record<LineStatus, MessageKey> = {
  ok: 'legendLineOk',
  overload: 'legendLineOverload',
  open: 'legendLineOpen',
  unknown: 'legendLineUnknown',
};
const BUS_TEXT: Record<BusStatus, MessageKey> = {
  ok: 'legendBusOk',
  low: 'legendBusLow',
  high: 'legendBusHigh',
  substation: 'legendBusSubstation',
  unknown: 'legendBusUnknown',
};

export function useFeederLabels() {
  const { t } = useI18n();
  return {
    line: (line: DiagramLine, flags: Flags | null) =>
      t('lineLabel', { from: line.from, to: line.to, status: t(LINE_TEXT[lineStatus(line, flags)]) }),
    bus: (bus: DiagramBus, flags: Flags | null) =>
      t('busLabel', { id: bus.id, kw: bus.loadKw, status: t(BUS_TEXT[busStatus(bus, flags)]) }),
  };
}

function LineSwatch({ status }: { status: LineStatus }) {
  return (
    <svg width="36" height="12" aria-hidden="true" className="swatch">
      <path d="M2,6 L34,6" className={`feeder-line ${status}`} />
    </svg>
  );
}

function BusSwatch({ status }: { status: BusStatus }) {
  return (
    <svg width="20" height="20" aria-hidden="true" className="swatch">
      <circle
        cx="10"
        cy="10"
        r={status === 'ok' || status === 'unknown' ? 5 : 8}
        className={`feeder-bus ${status}`}
      />
    </svg>
  );
}

export function FeederLegend() {
  const { t } = useI18n();
  return (
    <section aria-labelledby="legend-h" className="legend">
      <h2 id="legend-h">{t('legendTitle')}</h2>
      <ul className="legend-list">
        {(Object.keys(LINE_TEXT) as LineStatus[]).map((s) => (
          <li key={s}>
            <LineSwatch status={s} /> {t(LINE_TEXT[s])}
          </li>
        ))}
        {(Object.keys(BUS_TEXT) as BusStatus[]).map((s) => (
          <li key={s}>
            <BusSwatch status={s} /> {t(BUS_TEXT[s])}
          </li>
        ))}
      </ul>
    </section>
  );
}

export interface Selection {
  readonly kind: 'bus' | 'line';
  readonly index: number;
}

export function FeederDiagram({
  flags,
  selected,
  onSelect,
}: {
  flags: Flags | null;
  selected: Selection | null;
  onSelect: (s: Selection) => void;
}) {
  const { t } = useI18n();
  const labels = useFeederLabels();
  const isSelected = (kind: Selection['kind'], index: number) =>
    selected !== null && selected.kind === kind && selected.index === index;
  const keys = (s: Selection) => (e: React.KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(s);
    }
  };
  return (
    <div className="feeder-wrap">
      {/* biome-ignore lint/a11y/useSemanticElements: the SVG groups the diagram's focusable elements */}
      <svg
        className="feeder"
        viewBox={`0 0 ${DIAGRAM_WIDTH} ${DIAGRAM_HEIGHT}`}
        role="group"
        aria-label={t('gridDiagram')}
        data-testid="feeder"
      >
        {FEEDER_LINES.map((line, i) => {
          const status = lineStatus(line, flags);
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG element cannot be a <button>
            <g
              key={`${line.from}-${line.to}`}
              role="button"
              tabIndex={0}
              aria-label={labels.line(line, flags)}
              aria-pressed={isSelected('line', i)}
              data-line={lineId(line.from, line.to)}
              data-status={status}
              onClick={() => onSelect({ kind: 'line', index: i })}
              onFocus={() => onSelect({ kind: 'line', index: i })}
              onKeyDown={keys({ kind: 'line', index: i })}
            >
              <path d={linePath(line)} className="feeder-hit" />
              <path d={linePath(line)} className={`feeder-line ${status}`} />
            </g>
          );
        })}
        {BUSES.map((bus, i) => {
          const status = busStatus(bus, flags);
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG element cannot be a <button>
            <g
              key={bus.id}
              role="button"
              tabIndex={0}
              aria-label={labels.bus(bus, flags)}
              aria-pressed={isSelected('bus', i)}
              data-bus={bus.id}
              data-status={status}
              onClick={() => onSelect({ kind: 'bus', index: i })}
              onFocus={() => onSelect({ kind: 'bus', index: i })}
              onKeyDown={keys({ kind: 'bus', index: i })}
            >
              {bus.id === 1 ? (
                <rect x={bus.x - 9} y={bus.y - 9} width="18" height="18" className={`feeder-bus ${status}`} />
              ) : (
                <circle
                  cx={bus.x}
                  cy={bus.y}
                  r={status === 'ok' || status === 'unknown' ? 6 : 9}
                  className={`feeder-bus ${status}`}
                />
              )}
              <text x={bus.x + 8} y={bus.y - 10} className="feeder-id">
                {bus.id}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
