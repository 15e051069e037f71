import { bytesEqual, toHex } from '../crypto/index.js';
import type { MarketAction } from './actions.js';
import { MarketError } from './errors.js';
import { type ActionDetail, type HandlerContext, requireMember } from './handler-context.js';

type Of<T extends MarketAction['type']> = Extract<MarketAction, { type: T }>;

/**
 * A grid enterprise binds a meter's signing key to a generator or user (or, with no key, unbinds
 * the member's meter). Readings signed by that key count for that member only, in the cycles this
 * grid enterprise transmits for. A meter belongs to one member, and no member key is a meter.
 */
export function bindMeter(ctx: HandlerContext, action: Of<'bindMeter'>): ActionDetail {
  requireMember(ctx, ['gridEnterprise']);
  const member = ctx.store.member(action.member);
  if (member === undefined) {
    throw new MarketError('UNKNOWN_MEMBER', 'meter for an unregistered key', {
      member: toHex(action.member),
    });
  }
  if (member.role !== 'generator' && member.role !== 'user') {
    throw new MarketError('BAD_ACTION', `a ${member.role} has no meter in the market`, { field: 'member' });
  }
  const meterKey = action.meterKey;
  if (meterKey !== null) {
    if (ctx.store.member(meterKey) !== undefined) {
      throw new MarketError('BAD_ACTION', 'a member key cannot be a meter', { field: 'meterKey' });
    }
    const bound = ctx.store.meterBinding(meterKey);
    if (bound !== undefined && !bytesEqual(bound.member, action.member)) {
      throw new MarketError('DUPLICATE', 'this meter is bound to another member', {
        meterKey: toHex(meterKey),
        member: toHex(bound.member),
      });
    }
  }
  if (member.meterKey !== null && (meterKey === null || !bytesEqual(member.meterKey, meterKey))) {
    ctx.store.setMeterBinding(member.meterKey, null);
  }
  if (meterKey !== null) {
    ctx.store.setMeterBinding(meterKey, {
      member: action.member,
      gridEnterprise: ctx.sender,
      boundAtHeight: ctx.context.height,
    });
  }
  ctx.store.setMember(action.member, { ...member, meterKey }, false);
  return { member: toHex(action.member), meterKey: meterKey === null ? null : toHex(meterKey) };
}
