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
import { busFlow, type Flow, lineFlow, loadingBand, voltageBand } from '../lib/power-flow.js';

export type LineStatus = 'ok' | 'heavy' | 'overload' | 'unrated' | 'open' | 'unknown';
export type BusStatus = 'ok' | 'low' | 'high' | 'substation' | 'unknown';

/**
 * With the interval's power flow, a line is coloured by its loading and a bus by its voltage;
 * without it (no session that may read the flow), by the limits the public records name.
 */
export function lineStatus(line: DiagramLine, flags: Flags | null, flow: Flow | null = null): LineStatus {
  if (!line.inService) return 'open';
  if (flow !== null) {
    const found = lineFlow(flow, line.from, line.to);
    return found === undefined ? 'unknown' : (loadingBand(found) as LineStatus);
  }
  if (flags === null) return 'unknown';
  return flags.lines.has(lineId(line.from, line.to)) ? 'overload' : 'ok';
}

export function busStatus(bus: DiagramBus, flags: Flags | null, flow: Flow | null = null): BusStatus {
  if (flow !== null) {
    if (flow.violations.some((v) => v.kind === 'substation-capacity' && v.bus === bus.id))
      return 'substation';
    const found = busFlow(flow, bus.id);
    const band = found === undefined ? 'dead' : voltageBand(found);
    return band === 'dead' ? 'unknown' : band;
  }
  if (flags === null) return 'unknown';
  if (flags.substation.has(bus.id)) return 'substation';
  if (flags.voltageLow.has(bus.id)) return 'low';
  if (flags.voltageHigh.has(bus.id)) return 'high';
  return 'ok';
}

const LINE_TEXT: Record<LineStatus, MessageKey> = {
  ok: 'legendLineOk',
  heavy: 'legendLineHeavy',
  overload: 'legendLineOverload',
  unrated: 'legendLineUnrated',
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

/** With loadings shown, a line's colour means its share of its rating, not a reported violation. */
const LINE_VALUE_TEXT: Partial<Record<LineStatus, MessageKey>> = {
  ok: 'legendLineLoadOk',
  overload: 'legendLineLoadOver',
};
const pct = (value: number) => value.toFixed(1);
const kva = (value: number) => String(Math.round(value));

export function useFeederLabels() {
  const { t } = useI18n();
  return {
    line: (line: DiagramLine, flags: Flags | null, flow: Flow | null = null) => {
      const st = lineStatus(line, flags, flow);
      const status = t((flow === null ? undefined : LINE_VALUE_TEXT[st]) ?? LINE_TEXT[st]);
      const found = flow === null || !line.inService ? undefined : lineFlow(flow, line.from, line.to);
      if (found === undefined) return t('lineLabel', { from: line.from, to: line.to, status });
      return found.loadingPct === null
        ? t('lineFlowUnrated', { from: line.from, to: line.to, kva: kva(found.flowKva), status })
        : t('lineFlowLabel', {
            from: line.from,
            to: line.to,
            pct: pct(found.loadingPct),
            rate: kva(found.rateKva),
            kva: kva(found.flowKva),
            status,
          });
    },
    bus: (bus: DiagramBus, flags: Flags | null, flow: Flow | null = null) => {
      const status = t(BUS_TEXT[busStatus(bus, flags, flow)]);
      const vm = flow === null ? null : (busFlow(flow, bus.id)?.vmPu ?? null);
      return vm === null
        ? t('busLabel', { id: bus.id, kw: bus.loadKw, status })
        : t('busFlowLabel', { id: bus.id, kw: bus.loadKw, vm: vm.toFixed(4), status });
    },
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

const VALUE_ONLY: readonly LineStatus[] = ['heavy', 'unrated'];

export function FeederLegend({ values = false }: { values?: boolean }) {
  const { t } = useI18n();
  const lines = (Object.keys(LINE_TEXT) as LineStatus[]).filter((s) => values || !VALUE_ONLY.includes(s));
  return (
    <section aria-labelledby="legend-h" className="legend">
      <h2 id="legend-h">{t('legendTitle')}</h2>
      <ul className="legend-list">
        {lines.map((s) => (
          <li key={s}>
            <LineSwatch status={s} /> {t((values ? LINE_VALUE_TEXT[s] : undefined) ?? LINE_TEXT[s])}
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
  flow = null,
  selected,
  onSelect,
}: {
  flags: Flags | null;
  flow?: Flow | null;
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
          const status = lineStatus(line, flags, flow);
          const loading = flow === null ? undefined : lineFlow(flow, line.from, line.to)?.loadingPct;
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG element cannot be a <button>
            <g
              key={`${line.from}-${line.to}`}
              role="button"
              tabIndex={0}
              aria-label={labels.line(line, flags, flow)}
              aria-pressed={isSelected('line', i)}
              data-line={lineId(line.from, line.to)}
              data-status={status}
              data-loading={loading === undefined || loading === null ? undefined : loading.toFixed(1)}
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
          const status = busStatus(bus, flags, flow);
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG element cannot be a <button>
            <g
              key={bus.id}
              role="button"
              tabIndex={0}
              aria-label={labels.bus(bus, flags, flow)}
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
