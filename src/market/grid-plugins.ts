import type { Highs } from 'highs';
import { committeeApplication } from '../cross-zone/committee-application.js';
import { rootApplication } from '../cross-zone/root-application.js';
import { crossZoneApplication } from '../cross-zone/trade-application.js';
import { sha256, toHex } from '../crypto/hash.js';
import { type Grid, gridFromJson } from '../grid/index.js';
import { type Application, ApplicationRouter, keyValueApplication } from '../ledger/application.js';
import type { StateEntry } from '../ledger/genesis.js';
import type { KeyValueState } from '../ledger/state-interface.js';
import { dkgApplication } from '../roles/dkg-application.js';
import { rolesApplication } from '../roles/evidence-application.js';
import { handoverApplication } from '../roles/handover-application.js';
import { pluginsFromConfig } from './executor.js';
import { GridSecurityChecker } from './grid-security.js';
import type { MarketPlugins } from './handler-context.js';
import { marketApplication } from './ledger-application.js';
import { MarketStore } from './store.js';

/**
 * Which grid a chain's market checks its schedules against is itself chain state: the grid
 * document (the project's JSON grid format) sits under this key from genesis. Execution therefore
 * depends only on the state, and `verify` replays it with nothing but the ledger.
 */
export const GRID_STATE_KEY = new TextEncoder().encode('grid/model');

export function gridGenesisEntry(gridDocument: unknown): StateEntry {
  return { key: GRID_STATE_KEY, value: new TextEncoder().encode(JSON.stringify(gridDocument)) };
}

/**
 * The market's plugins as the chain's state says: with a grid model on chain, the AC security
 * check and congestion management of the grid engine (HiGHS loaded once, beforehand); without
 * one, the market's own stand-ins from its configuration. Parsed grids are cached by content.
 */
export function marketPluginsFromState(highs: Highs): (state: KeyValueState) => MarketPlugins | undefined {
  const grids = new Map<string, Grid>();
  return (state) => {
    const document = state.get(GRID_STATE_KEY);
    if (document === undefined) return undefined;
    const config = new MarketStore(state).config();
    if (config === undefined) return undefined;
    const id = toHex(sha256(document));
    let grid = grids.get(id);
    if (grid === undefined) {
      grid = gridFromJson(JSON.parse(new TextDecoder().decode(document)));
      grids.set(id, grid);
    }
    return {
      crossingFees: pluginsFromConfig(config).crossingFees,
      securityChecker: new GridSecurityChecker(grid, highs),
    };
  };
}

/**
 * The application every GridShard chain executes: key-value, the market contracts with the
 * plugins the chain's state names, and the sharded system's contracts (cross-zone trades on a zone
 * shard, shard blocks on the root chain, shard handovers on every chain of the system; each refuses
 * on a chain whose genesis names no sharded system). One function, so the validator, the common node, `verify`, the
 * simulator and the tests all run the same code; `extra` applications (test fixtures) are routed
 * after them.
 */
export function chainApplication(highs: Highs, extra: readonly Application[] = []): Application {
  return new ApplicationRouter([
    keyValueApplication,
    marketApplication(marketPluginsFromState(highs)),
    crossZoneApplication,
    rootApplication,
    committeeApplication,
    rolesApplication,
    dkgApplication,
    handoverApplication,
    ...extra,
  ]);
}
