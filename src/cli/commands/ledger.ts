import type { Command } from 'commander';
import { runLedgerBenchmark } from '../../bench/ledger.js';
import type { Committee } from '../../consensus/interface.js';
import { bytesEqual } from '../../crypto/hash.js';
import { SCHEME_IDS, type SchemeId } from '../../crypto/scheme.js';
import { loadHighs } from '../../grid/highs.js';
import { LedgerError } from '../../ledger/errors.js';
import { generateChain } from '../../ledger/generate.js';
import { type CommitProofCheck, verifyLedger } from '../../ledger/verify.js';
import { chainApplication } from '../../market/grid-plugins.js';
import { committeeOf, readGenesisFile } from '../../node/genesis-file.js';
import { decodeCommitProof, verifyCommitProof } from '../../sharding/index.js';
import { action, EXIT_CHECK_FAILED, EXIT_OK, printJson } from '../output.js';

export function integerOption(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new LedgerError('INVALID_PAYLOAD', `--${name} must be an integer ${min}..${max}, got "${raw}"`, {
      [name]: raw,
    });
  }
  return value;
}

function schemeOption(raw: string): SchemeId {
  if (!(SCHEME_IDS as readonly string[]).includes(raw)) {
    throw new LedgerError('INVALID_PAYLOAD', `--scheme must be one of ${SCHEME_IDS.join(', ')}`, {
      scheme: raw,
    });
  }
  return raw as SchemeId;
}

export function register(program: Command): void {
  const ledger = program.command('ledger').description('the chain store: generate demo chains');
  ledger
    .command('generate')
    .description('write a signed chain of key-value transactions into a new ledger directory')
    .requiredOption('--data <dir>', 'ledger directory to create (must not exist)')
    .option('--blocks <n>', 'blocks after genesis', '10')
    .option('--txs-per-block <m>', 'transactions per block', '100')
    .option('--scheme <id>', `crypto scheme: ${SCHEME_IDS.join(' | ')}`, 'ed25519-sha256')
    .option('--seed <n>', 'seed of the generated senders and contents', '1')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (options: Record<string, string | boolean>) => {
        const started = performance.now();
        const result = await generateChain({
          dir: String(options.data),
          blocks: integerOption('blocks', String(options.blocks), 0, 1_000_000),
          txsPerBlock: integerOption('txs-per-block', String(options.txsPerBlock), 0, 100_000),
          scheme: schemeOption(String(options.scheme)),
          seed: integerOption('seed', String(options.seed), 0, 2 ** 32 - 1),
        });
        const summary = { data: options.data, ...result, elapsedMs: Math.round(performance.now() - started) };
        if (options.json) printJson(summary);
        else
          console.log(
            `wrote ${result.transactions} transactions in blocks 1..${result.height} to ${options.data}`,
          );
        return EXIT_OK;
      }),
    );

  program
    .command('verify')
    .description(
      'check every stored block, transaction, signature, index and state record (exit 1 on any fault)',
    )
    .requiredOption('--data <dir>', 'ledger directory')
    .option(
      '--genesis <file>',
      "the chain's genesis file: check every stored commit proof against its committee",
    )
    .option('--json', 'print the report as JSON')
    .action(
      action(async (options: { data: string; genesis?: string; json?: boolean }) => {
        const committee =
          options.genesis === undefined ? null : committeeOf(readGenesisFile(options.genesis));
        // The node's own application: a chain with a grid model replays its AC security check.
        const report = await verifyLedger(options.data, chainApplication(await loadHighs()), {
          ...(committee === null ? {} : { checkCommitProof: commitProofCheck(committee) }),
        });
        if (options.json) printJson(report);
        else if (report.ok) {
          console.log(
            `ok: chain ${report.chainId} (${report.scheme}), blocks 0..${report.verifiedHeight}, ` +
              `${report.transactions} transactions, ${report.signaturesChecked} signatures, ${report.stateKeys} state keys`,
          );
        } else {
          console.log(
            `FAILED: ${report.problems.length} problem(s); verified up to height ${report.verifiedHeight}`,
          );
          for (const problem of report.problems) {
            const where = [
              problem.height === undefined ? '' : `height ${problem.height}`,
              problem.key ? `key ${problem.key}` : '',
            ]
              .filter(Boolean)
              .join(', ');
            console.log(`  [${problem.kind}] ${problem.message}${where ? ` (${where})` : ''}`);
          }
        }
        return report.ok ? EXIT_OK : EXIT_CHECK_FAILED;
      }),
    );
}

export function registerBench(bench: Command): void {
  bench
    .command('ledger')
    .description('signing, verification, Merkle roots, block append into LevelDB, state updates')
    .option('--json', 'print JSON (always JSON; kept for symmetry)')
    .option('--blocks <n>', 'blocks of 1,000 transactions to append', '20')
    .action(
      action(async (options: { blocks: string }) => {
        printJson(await runLedgerBenchmark({ blocks: integerOption('blocks', options.blocks, 1, 10_000) }));
        return EXIT_OK;
      }),
    );
}

/** A stored proof must decode, verify against the committee, and name the block stored at its height. */
function commitProofCheck(committee: Committee): CommitProofCheck {
  return (height, bytes, block) => {
    try {
      const proof = decodeCommitProof(bytes);
      verifyCommitProof(proof, committee);
      const { statement } = proof;
      if (statement.height !== height) return `proof of height ${statement.height} stored at ${height}`;
      if (!bytesEqual(statement.blockHash, block.hash) || !bytesEqual(statement.stateRoot, block.stateRoot))
        return 'the quorum signed another block than the one stored';
      return null;
    } catch (error) {
      return `commit proof is bad: ${error instanceof Error ? error.message : String(error)}`;
    }
  };
}
