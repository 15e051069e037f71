import type { KeyObject } from 'node:crypto';
import { CodecError } from '../codec/index.js';
import { ed25519PublicKeyObject, ed25519Verify } from '../crypto/index.js';
import { StateOverlay } from '../ledger/overlay.js';
import type { KeyValueState } from '../ledger/state-interface.js';
import { acceptContracts } from './acceptance.js';
import { type ExecutionContext, type MarketAction, type MarketTransaction, signingBytes } from './actions.js';
import { advanceCycle } from './advance.js';
import { check, contract } from './contracts.js';
import { checkCrossingConfig, TariffFeeTable } from './crossing-tariff.js';
import { closeGate, openCycle, openRound } from './cycles.js';
import { MarketError } from './errors.js';
import { BusExportLimitChecker } from './grid-doubles.js';
import type { ActionDetail, HandlerContext, MarketPlugins } from './handler-context.js';
import { match } from './matching.js';
import { audit, auditBatch, consent, exit, register, suspend } from './members.js';
import { bindMeter } from './meters.js';
import { amendQuote, commitQuote, revealQuote, submitQuote, withdrawQuote } from './quotes.js';
import { type MarketConfig, marketConfigWithDefaults } from './records.js';
import { meterReadings, settle } from './settlement.js';
import { MarketStore } from './store.js';

export type MarketResult =
  | { readonly ok: true; readonly type: MarketAction['type']; readonly detail: ActionDetail }
  | { readonly ok: false; readonly error: MarketError };

/** The grid doubles configured on chain; the grid engine replaces them behind the same interfaces. */
export function pluginsFromConfig(config: MarketConfig): MarketPlugins {
  return {
    crossingFees: new TariffFeeTable(config),
    securityChecker: new BusExportLimitChecker(config.busLimits),
  };
}

/**
 * Genesis: writes the market's configuration and admits its operators, who then admit the
 * institutions (trading center, grid enterprise, regulator) by audit.
 */
export function initMarket(state: KeyValueState, given: MarketConfig): void {
  const store = new MarketStore(state);
  const config = marketConfigWithDefaults(given);
  if (store.config() !== undefined) throw new MarketError('BAD_CONFIG', 'market already initialised', {});
  if (config.priceFloorPerKwh > config.priceCapPerKwh) {
    throw new MarketError('BAD_CONFIG', 'price floor above price cap', {});
  }
  if (config.recheckCutBps > 10_000 || config.recheckAttempts > 16) {
    throw new MarketError('BAD_CONFIG', 'recheckCutBps is at most 10000 and recheckAttempts at most 16', {});
  }
  // A zero window would close before any transaction after the opening one could use it.
  if (config.checkWindowMs === 0 || (config.sealedBids && config.revealWindowMs === 0)) {
    throw new MarketError(
      'BAD_CONFIG',
      'checkWindowMs (and revealWindowMs with sealed bids) must be positive',
      {},
    );
  }
  checkCrossingConfig(config);
  store.setConfig(config);
  for (const operator of config.operators) {
    store.setMember(
      operator,
      {
        role: 'operator',
        name: 'operator',
        status: 'approved',
        reason: 'genesis',
        bus: 0,
        voltageKv: 0,
        maxLoadKw: 0,
        projects: [],
        approvedKw: [],
        meterKey: null,
        registeredAtHeight: 0,
        standingConsent: null,
      },
      true,
    );
  }
}

// Public keys are parsed once; a hot market sees the same senders again and again.
const keyCache = new Map<string, KeyObject>();
function publicKeyObject(sender: Uint8Array): KeyObject {
  const name = Buffer.from(sender).toString('latin1');
  let found = keyCache.get(name);
  if (found === undefined) {
    try {
      found = ed25519PublicKeyObject(sender);
    } catch {
      throw new MarketError('BAD_SIGNATURE', 'sender is not a valid Ed25519 public key', {});
    }
    if (keyCache.size > 100_000) keyCache.clear();
    keyCache.set(name, found);
  }
  return found;
}

function dispatch(ctx: HandlerContext, action: MarketAction): ActionDetail {
  switch (action.type) {
    case 'register':
      return register(ctx, action);
    case 'audit':
      return audit(ctx, action);
    case 'suspend':
      return suspend(ctx, action);
    case 'exit':
      return exit(ctx);
    case 'openCycle':
      return openCycle(ctx, action);
    case 'closeGate':
      return closeGate(ctx, action);
    case 'commitQuote':
      return commitQuote(ctx, action);
    case 'submitQuote':
      return submitQuote(ctx, action);
    case 'amendQuote':
      return amendQuote(ctx, action);
    case 'withdrawQuote':
      return withdrawQuote(ctx, action);
    case 'revealQuote':
      return revealQuote(ctx, action);
    case 'match':
      return match(ctx, action);
    case 'openRound':
      return openRound(ctx, action);
    case 'check':
      return check(ctx, action);
    case 'contract':
      return contract(ctx, action);
    case 'meterReadings':
      return meterReadings(ctx, action);
    case 'settle':
      return settle(ctx, action);
    case 'auditBatch':
      return auditBatch(ctx, action);
    case 'advanceCycle':
      return advanceCycle(ctx, action);
    case 'bindMeter':
      return bindMeter(ctx, action);
    case 'acceptContracts':
      return acceptContracts(ctx, action);
    case 'consent':
      return consent(ctx, action);
  }
}

/**
 * Executes one market transaction: verifies the signature over (chainId, sender, nonce, action)
 * and the sender's next nonce, then runs the action against a staged overlay. Success commits
 * every write (and the nonce); any refusal commits none, so the state is exactly as before.
 * The result depends only on the state, the transaction and the block context.
 */
export function executeMarketTransaction(
  state: KeyValueState,
  tx: MarketTransaction,
  context: ExecutionContext,
  plugins?: MarketPlugins,
): MarketResult {
  try {
    if (!(tx.sender instanceof Uint8Array) || tx.sender.length !== 32) {
      throw new MarketError('BAD_SIGNATURE', 'sender must be a 32-byte Ed25519 public key', {});
    }
    if (!(tx.signature instanceof Uint8Array)) {
      throw new MarketError('BAD_SIGNATURE', 'signature must be 64 bytes', {});
    }
    if (typeof tx.nonce !== 'bigint') throw new MarketError('BAD_NONCE', 'nonce must be a bigint', {});
    let message: Uint8Array;
    try {
      message = signingBytes(context.chainId, tx.sender, tx.nonce, tx.action);
    } catch (error) {
      if (error instanceof CodecError) {
        throw new MarketError('BAD_ACTION', `action cannot be encoded: ${error.message}`, {
          cause: error.code,
        });
      }
      throw error;
    }
    if (!ed25519Verify(publicKeyObject(tx.sender), message, tx.signature)) {
      throw new MarketError('BAD_SIGNATURE', 'signature does not verify for this sender and chain', {});
    }
    const overlay = new StateOverlay(state);
    const store = new MarketStore(overlay);
    const config = store.config();
    if (config === undefined) throw new MarketError('BAD_CONFIG', 'market not initialised', {});
    const expected = store.nonce(tx.sender);
    if (tx.nonce !== expected) {
      throw new MarketError('BAD_NONCE', `nonce ${tx.nonce} is not the next one (${expected})`, {
        nonce: String(tx.nonce),
        expected: String(expected),
      });
    }
    const ctx: HandlerContext = {
      store,
      sender: tx.sender,
      signature: tx.signature,
      nonce: tx.nonce,
      context,
      config,
      plugins: plugins ?? pluginsFromConfig(config),
    };
    const detail = dispatch(ctx, tx.action);
    store.setNonce(tx.sender, expected + 1n);
    overlay.commitTo();
    return { ok: true, type: tx.action.type, detail };
  } catch (error) {
    if (error instanceof MarketError) return { ok: false, error };
    if (error instanceof CodecError) {
      return { ok: false, error: new MarketError('BAD_ACTION', error.message, { cause: error.code }) };
    }
    throw error;
  }
}
