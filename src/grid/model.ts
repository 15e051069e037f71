/**
 * The distribution-grid model. Buses are named by the case's own bus numbers; powers are in kW and
 * kvar (the units the market trades in), impedances in per unit on the system base and the bus's
 * base voltage, as MATPOWER keeps them after its conversions.
 */

export type BusType = 'pq' | 'pv' | 'slack' | 'isolated';

export interface Bus {
  /** The case's own bus number. */
  readonly id: number;
  readonly type: BusType;
  /** Nominal line-to-line voltage of the bus, kV: it sets the voltage level for the crossing fee. */
  readonly baseKv: number;
  readonly vMinPu: number;
  readonly vMaxPu: number;
  /** Zone of the bus; zones become shards. */
  readonly zone: string;
  /** Shunt conductance and susceptance, as kW consumed and kvar injected at 1.0 pu. */
  readonly gsKw: number;
  readonly bsKvar: number;
  /** Starting point of the iteration (MATPOWER's Vm and Va columns). */
  readonly vmPu: number;
  readonly vaDeg: number;
}

export interface Branch {
  readonly from: number;
  readonly to: number;
  readonly rPu: number;
  readonly xPu: number;
  /** Total line-charging susceptance, split half at each end (pi model). */
  readonly bPu: number;
  /** Thermal rating as apparent power at either end; 0 means unlimited. */
  readonly rateKva: number;
  /** Off-nominal tap ratio at the from end; 1 for a line. */
  readonly tap: number;
  readonly shiftDeg: number;
  /** Out-of-service branches (open tie switches) stay in the model but carry no power. */
  readonly inService: boolean;
}

export interface Load {
  readonly bus: number;
  readonly pKw: number;
  readonly qKvar: number;
}

export interface Generator {
  readonly bus: number;
  readonly pKw: number;
  readonly qKvar: number;
  /** Voltage set point, used at PV and slack buses. */
  readonly vSetPu: number;
  readonly inService: boolean;
  readonly pMaxKw: number;
  readonly pMinKw: number;
}

/** The feeder head: the transformer that connects the distribution network to the upstream grid. */
export interface Substation {
  readonly bus: number;
  /** Transformer capacity, kVA; 0 means unlimited. */
  readonly capacityKva: number;
}

export interface Grid {
  readonly name: string;
  readonly baseMva: number;
  readonly buses: readonly Bus[];
  readonly branches: readonly Branch[];
  readonly loads: readonly Load[];
  readonly generators: readonly Generator[];
  readonly substation: Substation;
}

/** A change to the grid's own loads and generation: positive pKw injects power into the bus. */
export interface Injection {
  readonly bus: number;
  readonly pKw: number;
  readonly qKvar?: number;
}
