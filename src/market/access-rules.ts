import type { Project } from './records.js';

/**
 * The access rules for a distributed generation project (paper §II.B.a, "Mechanism of trading"):
 *   - connected at <= 35 kV with capacity <= 20 MW after deducting the project's own maximum
 *     load: admitted (the only tier where the rules deduct own load);
 *   - otherwise, capacity above 20 MW up to 50 MW, counted without any deduction: admitted only at
 *     <= 110 kV and only when the output is absorbed within that voltage level; matching then
 *     keeps its sales within the level (`mustAbsorbLocally`);
 *   - anything else is refused, with the rule it broke as the reason.
 * Either way the capacity a project may sell is its net capacity: what it consumes itself never
 * reaches the network.
 */
export const SMALL_VOLTAGE_KV = 35;
export const SMALL_CAPACITY_KW = 20_000;
export const LARGE_VOLTAGE_KV = 110;
export const LARGE_CAPACITY_KW = 50_000;

export const SMALL_RULE = '<= 35 kV and <= 20 MW after own load';
export const LARGE_RULE = '20-50 MW at <= 110 kV, absorbed within the level';

export type AccessDecision =
  | { readonly admitted: true; readonly netKw: number; readonly rule: string }
  | { readonly admitted: false; readonly netKw: number; readonly reason: string };

export function netCapacityKw(project: Project): number {
  return Math.max(0, project.capacityKw - project.ownMaxLoadKw);
}

export function checkProjectAccess(project: Project): AccessDecision {
  const netKw = netCapacityKw(project);
  const grossKw = project.capacityKw;
  if (netKw === 0) return { admitted: false, netKw, reason: 'no capacity left after own load' };
  if (netKw <= SMALL_CAPACITY_KW && project.voltageKv <= SMALL_VOLTAGE_KV) {
    return { admitted: true, netKw, rule: SMALL_RULE };
  }
  if (grossKw <= SMALL_CAPACITY_KW) {
    return {
      admitted: false,
      netKw,
      reason: `connection at ${project.voltageKv} kV exceeds 35 kV for a project of at most 20 MW`,
    };
  }
  if (grossKw > LARGE_CAPACITY_KW) {
    return {
      admitted: false,
      netKw,
      reason:
        netKw <= SMALL_CAPACITY_KW
          ? `capacity ${grossKw} kW exceeds 50 MW, and after own load it needs a connection at <= 35 kV, not ${project.voltageKv} kV`
          : `capacity ${grossKw} kW exceeds 50 MW (own load is deducted only for projects of at most 20 MW)`,
    };
  }
  if (project.voltageKv > LARGE_VOLTAGE_KV) {
    return {
      admitted: false,
      netKw,
      reason: `capacity ${grossKw} kW above 20 MW needs a connection at <= 110 kV, not ${project.voltageKv} kV`,
    };
  }
  if (!project.absorbedLocally) {
    return {
      admitted: false,
      netKw,
      reason: `capacity ${grossKw} kW above 20 MW must be absorbed within the ${project.voltageKv} kV level`,
    };
  }
  return { admitted: true, netKw, rule: LARGE_RULE };
}

/** A project admitted by the 20-50 MW rule: its energy may only go to users within its voltage level. */
export function mustAbsorbLocally(project: Project): boolean {
  const decision = checkProjectAccess(project);
  return decision.admitted && decision.rule === LARGE_RULE;
}
