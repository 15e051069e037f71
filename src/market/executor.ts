import { CodecError, Writer } from '../codec/index.js';
import { StateOverlay } from '../ledger/overlay.js';
import type { KeyValueState } from '../ledger/state-interface.js';
import { acceptContracts } from './acceptance.js';
import { type MarketAction, marketActionCodec, type TransactionContext } from './actions.js';
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
 * Executes one market action for `sender`, whom the caller has authenticated: on a chain, the
 * ledger checked the envelope's signature, chain, shard and nonce before the market sees it
 * (src/market/ledger-application.ts). An action built in memory must be one its canonical bytes
 * say exactly, so it is encoded first and refused (BAD_ACTION) if it cannot be. The action runs
 * against a staged overlay; success commits every write, any refusal commits none, so the state
 * is exactly as before. The result depends only on the state, the sender, the action and the
 * transaction's context.
 */
export function executeMarketAction(
  state: KeyValueState,
  sender: Uint8Array,
  action: MarketAction,
  context: TransactionContext,
  plugins?: MarketPlugins,
): MarketResult {
  try {
    marketActionCodec.write(new Writer(256), action);
  } catch (error) {
    if (error instanceof CodecError) {
      return {
        ok: false,
        error: new MarketError('BAD_ACTION', `action cannot be encoded: ${error.message}`, {
          cause: error.code,
        }),
      };
    }
    return { ok: false, error: new MarketError('BAD_ACTION', 'action cannot be encoded', {}) };
  }
  return executeDecodedAction(state, sender, action, context, plugins);
}

/**
 * `executeMarketAction` for an action decoded from its canonical bytes (a ledger payload), which
 * therefore needs no encoding check.
 */
export function executeDecodedAction(
  state: KeyValueState,
  sender: Uint8Array,
  action: MarketAction,
  context: TransactionContext,
  plugins?: MarketPlugins,
): MarketResult {
  try {
    if (!(sender instanceof Uint8Array) || sender.length !== 32) {
      throw new MarketError('BAD_SENDER', 'a market sender is a 32-byte Ed25519 public key', {});
    }
    const overlay = new StateOverlay(state);
    const store = new MarketStore(overlay);
    const config = store.config();
    if (config === undefined) throw new MarketError('BAD_CONFIG', 'market not initialised', {});
    const ctx: HandlerContext = {
      store,
      sender,
      txHash: context.txHash,
      context: { chainId: context.chainId, blockTimeMs: context.blockTimeMs, height: context.height },
      config,
      plugins: plugins ?? pluginsFromConfig(config),
    };
    const detail = dispatch(ctx, action);
    overlay.commitTo();
    return { ok: true, type: action.type, detail };
  } catch (error) {
    if (error instanceof MarketError) return { ok: false, error };
    if (error instanceof CodecError) {
      return { ok: false, error: new MarketError('BAD_ACTION', error.message, { cause: error.code }) };
    }
    throw error;
  }
}
