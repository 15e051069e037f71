import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadHighs } from '../../grid/highs.js';
import { LedgerStore } from '../../ledger/store.js';
import { chainApplication } from '../../market/grid-plugins.js';
import { auditCycle, type CycleClock, storeAuditChain } from '../../node/credit-audit.js';
import { NodeError } from '../../node/errors.js';
import { creditRulesOf } from '../../node/genesis-credit.js';
import { committeeOf, consensusOf, readGenesisFile } from '../../node/genesis-file.js';
import { CreditError } from '../../sharding/credit-errors.js';
import { action, EXIT_OK, printJson } from '../output.js';

/** A node's data folder holds its ledger in `ledger/`; a ledger folder itself is taken as is. */
function ledgerDirOf(dir: string): string {
  const inside = join(dir, 'ledger');
  return existsSync(inside) ? inside : dir;
}

function wholeNumber(text: string, name: string, min: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min)
    throw new NodeError('BAD_CONFIG', `${name} must be a whole number ≥ ${min}`, { [name]: text });
  return value;
}

export function register(program: Command): void {
  program
    .command('credit')
    .description(
      "recompute every validator's credit score of one cycle from a node's chain alone (the certificates its blocks record, checked against genesis): anyone can audit an election",
    )
    .requiredOption('--data <dir>', 'the node’s data folder (or its ledger folder); the node must be stopped')
    .requiredOption('--genesis <file>', 'the chain’s genesis (the committee whose certificates count)')
    .requiredOption('--cycle <n>', 'the cycle to score (from 0); it must be over on this chain')
    .option('--json', 'print the audit as JSON')
    .action(
      action(async (options: { data: string; genesis: string; cycle: string; json?: boolean }) => {
        const cycle = wholeNumber(options.cycle, 'cycle', 0);
        const genesis = readGenesisFile(options.genesis);
        if (consensusOf(genesis) !== 'dag')
          throw new CreditError(
            'CREDIT_NEEDS_DAG',
            'credit is scored from DAG certificates; this chain runs PBFT',
            {},
          );
        const store = await LedgerStore.open(ledgerDirOf(options.data), chainApplication(await loadHighs()));
        try {
          if (store.params.chainId !== genesis.chainId || store.params.shardId !== genesis.shardId)
            throw new NodeError(
              'BAD_CONFIG',
              `the ledger is chain ${store.params.chainId} shard ${store.params.shardId}, not the genesis’s`,
              {},
            );
          const rules = creditRulesOf(genesis.credit, genesis.sharding?.cycleMs);
          const clock: CycleClock = { genesisTimeMs: genesis.genesisTimeMs, cycleMs: rules.cycleMs };
          const audit = await auditCycle(
            storeAuditChain(store),
            committeeOf(genesis),
            clock,
            cycle,
            rules.weights,
          );
          const report = {
            chainId: genesis.chainId,
            shardId: genesis.shardId,
            cycleMs: clock.cycleMs,
            weights: rules.weights,
            ...audit,
          };
          if (options.json) printJson(report);
          else {
            console.log(
              `cycle ${cycle}: blocks ${audit.fromHeight}..${audit.toHeight}, rounds ${audit.firstRound}..${audit.lastRound}, ${audit.vertices} certified vertices`,
            );
            audit.scores.forEach((score, validator) => {
              const tally = audit.tallies[validator];
              const detail =
                tally === undefined
                  ? ''
                  : ` (certified ${tally.certified}, votes ${tally.votes}, missed votes ${tally.missedVotes}, missed rounds ${tally.missedRounds}, coin shares ${tally.coinShares})`;
              console.log(
                `  validator ${validator}: ${score}${audit.suspended.includes(validator) ? ' SUSPENDED' : ''}${detail}`,
              );
            });
          }
          return EXIT_OK;
        } finally {
          await store.close();
        }
      }),
    );
}

export function registerBench(_bench: Command): void {}
