/**
 * The power flow behind an interval's security check, as the node serves it
 * (`GET /api/v1/market/cycles/{cycleId}/intervals/{interval}/power-flow/{gridEnterprise}`), and
 * the bands the feeder diagram colours by. The answer is private to the cycle's grid enterprise
 * and regulators: without such a session the page falls back to what the public records say.
 */
import { ApiError, api } from './api.js';

export interface LineFlow {
  readonly branch: number;
  readonly from: number;
  readonly to: number;
  readonly inService: boolean;
  readonly flowKva: number;
  readonly rateKva: number;
  readonly loadingPct: number | null;
}

export interface BusFlow {
  readonly bus: number;
  readonly vmPu: number | null;
  readonly vMinPu: number;
  readonly vMaxPu: number;
}

export interface FlowViolation {
  readonly kind: string;
  readonly key: string;
  readonly from?: number;
  readonly to?: number;
  readonly bus?: number;
  readonly flowKva?: number;
  readonly limitKva?: number;
  readonly vmPu?: number;
  readonly limitPu?: number;
  readonly message?: string;
}

export interface Flow {
  readonly converged: boolean;
  readonly lines: readonly LineFlow[];
  readonly buses: readonly BusFlow[];
  readonly substationKva: number | null;
  readonly substationCapacityKva: number;
  readonly lossKw: number | null;
  readonly violations: readonly FlowViolation[];
}

export interface FlowAdjustment {
  readonly seller: string;
  readonly buyer: string;
  readonly matchedWh: number;
  readonly energyWh: number;
  readonly reason: string;
}

export interface PowerFlowAnswer {
  readonly cycleId: string;
  readonly interval: number;
  readonly gridEnterprise: string;
  readonly height: number;
  readonly outcome: { readonly outcome: string; readonly code: string; readonly reason: string };
  readonly adjustments: readonly FlowAdjustment[];
  readonly asMatched: Flow;
  readonly afterCheck: Flow;
}

/** Why there is no flow to draw: no session that may read it, or none on the chain (with the node's reason). */
export type FlowRead =
  | { readonly kind: 'flow'; readonly answer: PowerFlowAnswer }
  | { readonly kind: 'private' }
  | { readonly kind: 'none'; readonly detail: string };

export async function readPowerFlow(
  cycleId: string,
  interval: number,
  gridEnterprise: string,
  token: string | undefined,
): Promise<FlowRead> {
  if (token === undefined) return { kind: 'private' };
  try {
    const path = `/api/v1/market/cycles/${encodeURIComponent(cycleId)}/intervals/${interval}/power-flow/${gridEnterprise}`;
    return { kind: 'flow', answer: await api.get<PowerFlowAnswer>(path, token) };
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403))
      return { kind: 'private' };
    if (error instanceof ApiError && error.status === 404) return { kind: 'none', detail: error.message };
    throw error;
  }
}

/** Above this share of its rating a line is drawn as heavily loaded. */
export const HEAVY_LOADING_PCT = 80;

export type LoadingBand = 'ok' | 'heavy' | 'overload' | 'unrated' | 'open';

export function loadingBand(line: LineFlow): LoadingBand {
  if (!line.inService) return 'open';
  if (line.loadingPct === null) return 'unrated';
  if (line.loadingPct > 100) return 'overload';
  return line.loadingPct > HEAVY_LOADING_PCT ? 'heavy' : 'ok';
}

export type VoltageBand = 'ok' | 'low' | 'high' | 'dead';

export function voltageBand(bus: BusFlow): VoltageBand {
  if (bus.vmPu === null) return 'dead';
  if (bus.vmPu < bus.vMinPu) return 'low';
  return bus.vmPu > bus.vMaxPu ? 'high' : 'ok';
}

/** The flow's line between two buses, whichever end the model lists first. */
export function lineFlow(flow: Flow, from: number, to: number): LineFlow | undefined {
  return flow.lines.find((l) => (l.from === from && l.to === to) || (l.from === to && l.to === from));
}

export function busFlow(flow: Flow, id: number): BusFlow | undefined {
  return flow.buses.find((b) => b.bus === id);
}
