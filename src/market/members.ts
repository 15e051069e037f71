import { toHex } from '../crypto/index.js';
import { checkProjectAccess } from './access-rules.js';
import type { MarketAction } from './actions.js';
import { MarketError } from './errors.js';
import { type ActionDetail, type HandlerContext, requireMember } from './handler-context.js';
import type { Member, Role } from './records.js';

type Of<T extends MarketAction['type']> = Extract<MarketAction, { type: T }>;

const INSTITUTIONS: readonly Role[] = ['gridEnterprise', 'tradingCenter', 'regulator', 'operator'];

export function register(ctx: HandlerContext, action: Of<'register'>): ActionDetail {
  const existing = ctx.store.member(ctx.sender);
  if (existing && existing.status !== 'rejected' && existing.status !== 'exited') {
    throw new MarketError('DUPLICATE', `already registered as ${existing.role} (${existing.status})`, {
      member: toHex(ctx.sender),
    });
  }
  // The member's meter is the grid enterprise's to name (bindMeter): a key of the member's own
  // choosing would let it sign its own readings. The field stays in the payload so earlier
  // transactions still decode.
  if (action.meterKey !== null) {
    throw new MarketError('BAD_ACTION', 'meter keys are bound by the grid enterprise (bindMeter)', {
      field: 'meterKey',
    });
  }
  if (ctx.store.meterBinding(ctx.sender) !== undefined) {
    throw new MarketError('BAD_ACTION', 'this key is bound as a meter and cannot be a member', {
      member: toHex(ctx.sender),
    });
  }
  if (action.role === 'generator' && action.projects.length === 0) {
    throw new MarketError('BAD_ACTION', 'a generation company registers at least one project', {
      field: 'projects',
    });
  }
  if (action.role !== 'generator' && action.projects.length > 0) {
    throw new MarketError('BAD_ACTION', `a ${action.role} registers no generation projects`, {
      field: 'projects',
    });
  }
  if (action.role === 'user' && action.maxLoadKw === 0) {
    throw new MarketError('BAD_ACTION', 'a power user declares its maximum load', { field: 'maxLoadKw' });
  }
  const member: Member = {
    role: action.role,
    name: action.name,
    status: 'pending',
    reason: '',
    bus: action.bus,
    voltageKv: action.voltageKv,
    maxLoadKw: action.maxLoadKw,
    projects: action.projects,
    approvedKw: action.projects.map(() => 0),
    // A re-registration keeps the meter its grid enterprise bound.
    meterKey: existing?.meterKey ?? null,
    registeredAtHeight: ctx.context.height,
    // A new registration starts without standing consent; the member gives it with `consent`.
    standingConsent: null,
  };
  ctx.store.setMember(ctx.sender, member, existing === undefined);
  return { member: toHex(ctx.sender), status: 'pending' };
}

/**
 * Market members (generators, users) are audited by the trading center against the access
 * rules; the institutions (grid enterprise, trading center, regulator, operator) by an operator.
 * The rules decide each project; the auditor may still refuse with its own note.
 */
export function audit(ctx: HandlerContext, action: Of<'audit'>): ActionDetail {
  return auditOne(ctx, action);
}

/** Many decisions in one transaction, all applied or (if any is refused) none. */
export function auditBatch(ctx: HandlerContext, action: Of<'auditBatch'>): ActionDetail {
  let approved = 0;
  for (const decision of action.decisions) {
    if (auditOne(ctx, decision).status === 'approved') approved++;
  }
  return { audited: action.decisions.length, approved };
}

function auditOne(
  ctx: HandlerContext,
  action: { member: Uint8Array; approve: boolean; note: string },
): ActionDetail {
  const member = ctx.store.member(action.member);
  if (member === undefined) {
    throw new MarketError('UNKNOWN_MEMBER', 'audit of an unregistered key', { member: toHex(action.member) });
  }
  requireMember(ctx, INSTITUTIONS.includes(member.role) ? ['operator'] : ['tradingCenter']);
  if (member.status !== 'pending') {
    throw new MarketError('WRONG_CYCLE_STATE', `member is ${member.status}, not pending audit`, {
      member: toHex(action.member),
      status: member.status,
    });
  }
  let approvedKw = member.approvedKw;
  const refusals: string[] = [];
  if (member.role === 'generator') {
    const decisions = member.projects.map(checkProjectAccess);
    approvedKw = decisions.map((d) => (d.admitted ? d.netKw : 0));
    decisions.forEach((d, i) => {
      if (!d.admitted) refusals.push(`project ${i} (${member.projects[i]!.technology}): ${d.reason}`);
    });
  } else if (member.role === 'user' && member.voltageKv > 110) {
    refusals.push(`user connection at ${member.voltageKv} kV exceeds 110 kV`);
  }
  const anyAdmitted = member.role !== 'generator' || approvedKw.some((kw) => kw > 0);
  const approved = action.approve && anyAdmitted && (member.role === 'generator' || refusals.length === 0);
  const reason = !action.approve
    ? action.note || 'refused by the auditor'
    : refusals.length > 0
      ? refusals.join('; ')
      : action.note || 'access rules met';
  const updated: Member = {
    ...member,
    status: approved ? 'approved' : 'rejected',
    reason,
    approvedKw: approved ? approvedKw : member.projects.map(() => 0),
  };
  ctx.store.setMember(action.member, updated, false);
  return { member: toHex(action.member), status: updated.status, reason, approvedKw: updated.approvedKw };
}

export function suspend(ctx: HandlerContext, action: Of<'suspend'>): ActionDetail {
  requireMember(ctx, ['tradingCenter', 'regulator']);
  const member = ctx.store.member(action.member);
  if (member === undefined || member.status !== 'approved') {
    throw new MarketError('MEMBER_NOT_ACTIVE', 'only an approved member can be suspended', {
      member: toHex(action.member),
    });
  }
  ctx.store.setMember(action.member, { ...member, status: 'suspended', reason: action.reason }, false);
  return { member: toHex(action.member), status: 'suspended' };
}

export function exit(ctx: HandlerContext): ActionDetail {
  const member = ctx.store.member(ctx.sender);
  if (member === undefined || member.status === 'exited') {
    throw new MarketError('MEMBER_NOT_ACTIVE', 'not a current member', { member: toHex(ctx.sender) });
  }
  ctx.store.setMember(
    ctx.sender,
    { ...member, status: 'exited', reason: 'exit requested by the member' },
    false,
  );
  return { member: toHex(ctx.sender), status: 'exited' };
}

const CONTRACT_ROLES: readonly Role[] = ['generator', 'user', 'gridEnterprise'];

/**
 * Standing consent: a contract party (generator, user, grid enterprise) accepts in advance the
 * tripartite contracts the market writes for it, from this block on; `standing: false` revokes it
 * for contracts written afterwards. A member may give it as soon as it has registered (before its
 * audit). Contracts already written keep the acceptances they were written with.
 */
export function consent(ctx: HandlerContext, action: Of<'consent'>): ActionDetail {
  if (!ctx.config.standingConsent) {
    throw new MarketError('BAD_ACTION', "this market's rules require each contract to be accepted", {
      field: 'standing',
    });
  }
  const member = ctx.store.member(ctx.sender);
  if (member === undefined) {
    throw new MarketError('UNKNOWN_MEMBER', 'consent from an unregistered key', {
      member: toHex(ctx.sender),
    });
  }
  if (!CONTRACT_ROLES.includes(member.role)) {
    throw new MarketError('NOT_AUTHORISED', `a ${member.role} is not a contract party`, {
      member: toHex(ctx.sender),
      role: member.role,
    });
  }
  if (member.status !== 'pending' && member.status !== 'approved') {
    throw new MarketError('MEMBER_NOT_ACTIVE', `member is ${member.status}`, {
      member: toHex(ctx.sender),
      status: member.status,
    });
  }
  const standingConsent = action.standing
    ? { sinceMs: ctx.context.blockTimeMs, height: ctx.context.height }
    : null;
  ctx.store.setMember(ctx.sender, { ...member, standingConsent }, false);
  return { member: toHex(ctx.sender), standingConsent: action.standing };
}
