import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { fromHex } from '../../crypto/hash.js';
import { ed25519Scheme, type SignatureScheme } from '../../crypto/scheme.js';
import { loadHighs } from '../../grid/highs.js';
import { LedgerStore } from '../../ledger/store.js';
import { chainApplication } from '../../market/grid-plugins.js';
import {
  type AuditChain,
  auditCycle,
  type CycleAudit,
  type CycleClock,
  storeAuditChain,
} from '../../node/credit-audit.js';
import { NodeError } from '../../node/errors.js';
import { creditRulesOf } from '../../node/genesis-credit.js';
import { committeeOf, consensusOf, readGenesisFile } from '../../node/genesis-file.js';
import { GridShardClient } from '../../sdk/client.js';
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

/**
 * A running node's chain through its API. The node is trusted only for which blocks make its
 * chain; every batch's certificate (its batch proofs) is still checked against genesis, so it
 * cannot invent a vertex.
 */
async function apiAuditChain(client: GridShardClient, scheme: SignatureScheme): Promise<AuditChain> {
  const head = (await client.status()).height;
  const headers = new Map<number, { timestampMs: number; evidence: Uint8Array }>();
  const malformed = (height: number, what: string) =>
    new CreditError('BAD_CREDIT_EVIDENCE', `block ${height} from the API: ${what}`, { height });
  const hex = /^([0-9a-f]{2})+$/;
  // Transactions and batch proofs come in one answer; the audit asks for both of a block.
  let last: { height: number; transactions: Uint8Array[]; batchProofs: Uint8Array | undefined } | null = null;
  const contents = async (height: number) => {
    if (last?.height === height) return last;
    const answer = await client.blockTransactions(height);
    if (answer === null) throw malformed(height, 'missing');
    if (!answer.transactions.every((t) => hex.test(t))) throw malformed(height, 'a transaction is not hex');
    if (answer.batchProofs !== undefined && !hex.test(answer.batchProofs))
      throw malformed(height, 'its batch proofs are not hex');
    last = {
      height,
      transactions: answer.transactions.map(fromHex),
      batchProofs: answer.batchProofs === undefined ? undefined : fromHex(answer.batchProofs),
    };
    return last;
  };
  return {
    head,
    scheme,
    block: async (height) => {
      const known = headers.get(height);
      if (known !== undefined) return known;
      const json = await client.block(height);
      if (json === null) throw malformed(height, 'missing');
      const { timestampMs, evidence } = json as { timestampMs?: unknown; evidence?: unknown };
      if (
        typeof timestampMs !== 'number' ||
        typeof evidence !== 'string' ||
        !/^([0-9a-f]{2})*$/.test(evidence)
      )
        throw malformed(height, 'no time or evidence');
      const header = { timestampMs, evidence: fromHex(evidence) };
      headers.set(height, header);
      return header;
    },
    transactions: async (height) => (await contents(height)).transactions,
    batchProofs: async (height) => (await contents(height)).batchProofs,
  };
}

function printAudit(audit: CycleAudit): void {
  console.log(
    `cycle ${audit.cycle}: blocks ${audit.fromHeight}..${audit.toHeight}, rounds ${audit.firstRound}..${audit.lastRound}, ${audit.vertices} certified vertices${audit.scored ? '' : ' (nothing to score)'}`,
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

export function register(program: Command): void {
  program
    .command('credit')
    .description(
      "recompute every validator's credit score of one cycle from a chain alone (the vertices its blocks record, each certificate checked against genesis): anyone can audit an election",
    )
    .option('--data <dir>', 'a stopped node’s data folder (or its ledger folder)')
    .option(
      '--api <url>',
      'or a running node’s API (trusted for which blocks make the chain, not for the certificates)',
    )
    .requiredOption('--genesis <file>', 'the chain’s genesis (the committee whose certificates count)')
    .requiredOption('--cycle <n>', 'the cycle to score (from 0); it must be over on this chain')
    .option('--json', 'print the audit as JSON')
    .action(
      action(
        async (options: { data?: string; api?: string; genesis: string; cycle: string; json?: boolean }) => {
          if ((options.data === undefined) === (options.api === undefined))
            throw new NodeError(
              'BAD_CONFIG',
              'give one of --data (a stopped node) or --api (a running one)',
              {},
            );
          const cycle = wholeNumber(options.cycle, 'cycle', 0);
          const genesis = readGenesisFile(options.genesis);
          if (consensusOf(genesis) !== 'dag')
            throw new CreditError(
              'CREDIT_NEEDS_DAG',
              'credit is scored from DAG certificates; this chain runs PBFT',
              {},
            );
          const rules = creditRulesOf(genesis.credit, genesis.sharding?.cycleMs);
          const clock: CycleClock = { genesisTimeMs: genesis.genesisTimeMs, cycleMs: rules.cycleMs };
          const score = async (chain: AuditChain) => {
            const audit = await auditCycle(chain, committeeOf(genesis), clock, cycle, rules.weights);
            if (options.json)
              printJson({
                chainId: genesis.chainId,
                shardId: genesis.shardId,
                cycleMs: clock.cycleMs,
                weights: rules.weights,
                ...audit,
              });
            else printAudit(audit);
            return EXIT_OK;
          };
          if (options.api !== undefined) {
            const client = new GridShardClient(options.api);
            const status = await client.status();
            if (status.chainId !== genesis.chainId || status.shardId !== genesis.shardId)
              throw new NodeError(
                'BAD_CONFIG',
                `the node serves chain ${status.chainId} shard ${status.shardId}, not the genesis’s`,
                {},
              );
            return score(await apiAuditChain(client, ed25519Scheme));
          }
          const store = await LedgerStore.open(
            ledgerDirOf(options.data!),
            chainApplication(await loadHighs()),
          );
          try {
            if (store.params.chainId !== genesis.chainId || store.params.shardId !== genesis.shardId)
              throw new NodeError(
                'BAD_CONFIG',
                `the ledger is chain ${store.params.chainId} shard ${store.params.shardId}, not the genesis’s`,
                {},
              );
            return await score(storeAuditChain(store));
          } finally {
            await store.close();
          }
        },
      ),
    );
}

export function registerBench(_bench: Command): void {}
