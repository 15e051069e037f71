/**
 * The market-access rules as the chain applies them, checked in the browser before anything is
 * signed: the audit's project rules (src/market/access-rules.ts, same reasons word for word) and
 * the registration's own checks (src/market/members.ts `register`, the action's codec limits).
 * test/web/market-tx.test.ts compares these with the chain's on thousands of seeded projects.
 */
import type { MemberRole, Project } from './market-tx.js';

export const SMALL_VOLTAGE_KV = 35;
export const SMALL_CAPACITY_KW = 20_000;
export const LARGE_VOLTAGE_KV = 110;
export const LARGE_CAPACITY_KW = 50_000;
export const SMALL_RULE = '<= 35 kV and <= 20 MW after own load';
export const LARGE_RULE = '20-50 MW at <= 110 kV, absorbed within the level';

/** Which written rule a decision rests on, for the page to show beside it. */
export type AccessRule =
  | 'small'
  | 'large'
  | 'noCapacity'
  | 'smallVoltage'
  | 'over50'
  | 'largeVoltage'
  | 'absorb';

export type AccessDecision =
  | { readonly admitted: true; readonly netKw: number; readonly rule: AccessRule; readonly text: string }
  | { readonly admitted: false; readonly netKw: number; readonly rule: AccessRule; readonly reason: string };

export function checkProjectAccess(p: Project): AccessDecision {
  const netKw = Math.max(0, p.capacityKw - p.ownMaxLoadKw);
  const grossKw = p.capacityKw;
  if (netKw === 0)
    return { admitted: false, netKw, rule: 'noCapacity', reason: 'no capacity left after own load' };
  if (netKw <= SMALL_CAPACITY_KW && p.voltageKv <= SMALL_VOLTAGE_KV)
    return { admitted: true, netKw, rule: 'small', text: SMALL_RULE };
  if (grossKw <= SMALL_CAPACITY_KW)
    return {
      admitted: false,
      netKw,
      rule: 'smallVoltage',
      reason: `connection at ${p.voltageKv} kV exceeds 35 kV for a project of at most 20 MW`,
    };
  if (grossKw > LARGE_CAPACITY_KW)
    return {
      admitted: false,
      netKw,
      rule: 'over50',
      reason:
        netKw <= SMALL_CAPACITY_KW
          ? `capacity ${grossKw} kW exceeds 50 MW, and after own load it needs a connection at <= 35 kV, not ${p.voltageKv} kV`
          : `capacity ${grossKw} kW exceeds 50 MW (own load is deducted only for projects of at most 20 MW)`,
    };
  if (p.voltageKv > LARGE_VOLTAGE_KV)
    return {
      admitted: false,
      netKw,
      rule: 'largeVoltage',
      reason: `capacity ${grossKw} kW above 20 MW needs a connection at <= 110 kV, not ${p.voltageKv} kV`,
    };
  if (!p.absorbedLocally)
    return {
      admitted: false,
      netKw,
      rule: 'absorb',
      reason: `capacity ${grossKw} kW above 20 MW must be absorbed within the ${p.voltageKv} kV level`,
    };
  return { admitted: true, netKw, rule: 'large', text: LARGE_RULE };
}

export interface Registration {
  readonly role: MemberRole;
  readonly name: string;
  readonly bus: number;
  readonly voltageKv: number;
  readonly maxLoadKw: number;
  readonly projects: readonly Project[];
}

/** A problem that makes the chain refuse the registration itself (or, for users, the audit). */
export type RegistrationProblem =
  | 'nameLength'
  | 'noProjects'
  | 'projectsNotAllowed'
  | 'userLoad'
  | 'userVoltage'
  | 'tooManyProjects'
  | 'technologyLength'
  | 'noneAdmitted';

export interface RegistrationCheck {
  readonly problems: readonly RegistrationProblem[];
  readonly projects: readonly AccessDecision[];
}

/** Every refusal the chain would give this registration at registration or audit. */
export function checkRegistration(reg: Registration): RegistrationCheck {
  const problems: RegistrationProblem[] = [];
  if (reg.name.trim().length === 0 || reg.name.length > 64) problems.push('nameLength');
  if (reg.role === 'generator' && reg.projects.length === 0) problems.push('noProjects');
  if (reg.role !== 'generator' && reg.projects.length > 0) problems.push('projectsNotAllowed');
  if (reg.projects.length > 64) problems.push('tooManyProjects');
  if (reg.projects.some((p) => p.technology.length === 0 || p.technology.length > 32))
    problems.push('technologyLength');
  if (reg.role === 'user' && reg.maxLoadKw === 0) problems.push('userLoad');
  if (reg.role === 'user' && reg.voltageKv > LARGE_VOLTAGE_KV) problems.push('userVoltage');
  const projects = reg.role === 'generator' ? reg.projects.map(checkProjectAccess) : [];
  if (reg.role === 'generator' && projects.length > 0 && !projects.some((d) => d.admitted))
    problems.push('noneAdmitted');
  return { problems, projects };
}
