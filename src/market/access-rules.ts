import type { Project } from './records.js';

/**
 * The access rules for a distributed generation project. Capacity counts after deducting the
 * project's own maximum load (the part it consumes itself never reaches the network):
 *   - connected at <= 35 kV with net capacity <= 20 MW: admitted;
 *   - net capacity above 20 MW up to 50 MW: admitted only at <= 110 kV and only when the output
 *     is absorbed within that voltage level;
 *   - anything else is refused, with the rule it broke as the reason.
 */
export const SMALL_VOLTAGE_KV = 35;
export const SMALL_CAPACITY_KW = 20_000;
export const LARGE_VOLTAGE_KV = 110;
export const LARGE_CAPACITY_KW = 50_000;

export type AccessDecision =
  | { readonly admitted: true; readonly netKw: number; readonly rule: string }
  | { readonly admitted: false; readonly netKw: number; readonly reason: string };

export function netCapacityKw(project: Project): number {
  return Math.max(0, project.capacityKw - project.ownMaxLoadKw);
}

export function checkProjectAccess(project: Project): AccessDecision {
  const netKw = netCapacityKw(project);
  if (netKw === 0) return { admitted: false, netKw, reason: 'no capacity left after own load' };
  if (netKw <= SMALL_CAPACITY_KW) {
    if (project.voltageKv <= SMALL_VOLTAGE_KV) {
      return { admitted: true, netKw, rule: '<= 35 kV and <= 20 MW' };
    }
    return {
      admitted: false,
      netKw,
      reason: `connection at ${project.voltageKv} kV exceeds 35 kV for a project of at most 20 MW`,
    };
  }
  if (netKw > LARGE_CAPACITY_KW) {
    return { admitted: false, netKw, reason: `net capacity ${netKw} kW exceeds 50 MW` };
  }
  if (project.voltageKv > LARGE_VOLTAGE_KV) {
    return {
      admitted: false,
      netKw,
      reason: `net capacity ${netKw} kW above 20 MW needs a connection at <= 110 kV, not ${project.voltageKv} kV`,
    };
  }
  if (!project.absorbedLocally) {
    return {
      admitted: false,
      netKw,
      reason: `net capacity ${netKw} kW above 20 MW must be absorbed within the ${project.voltageKv} kV level`,
    };
  }
  return { admitted: true, netKw, rule: '20-50 MW at <= 110 kV, absorbed within the level' };
}
