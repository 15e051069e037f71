import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { ed25519Scheme } from '../../crypto/scheme.js';
import { encodeTransaction, signTransaction } from '../../ledger/transaction.js';
import { NodeError } from '../../node/errors.js';
import { DKG_OPEN, encodeOpen, MAX_DKG_PHASE_MS, MIN_DKG_PHASE_MS } from '../../roles/dkg-records.js';
import { GridShardClient } from '../../sdk/client.js';
import type { KeyGenerationStatus } from '../../sdk/index.js';
import { action, EXIT_CHECK_FAILED, EXIT_OK, printJson } from '../output.js';

function phaseOption(name: string, raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < MIN_DKG_PHASE_MS || value > MAX_DKG_PHASE_MS)
    throw new NodeError(
      'BAD_CONFIG',
      `--${name} must be ${MIN_DKG_PHASE_MS}..${MAX_DKG_PHASE_MS} ms, got "${raw}"`,
      {},
    );
  return value;
}

function describe(status: KeyGenerationStatus): string {
  const complaints = status.complaints.map(
    (c) => `${c.complainer}→${c.dealer}${c.answered ? ' answered' : ''}`,
  );
  const result =
    status.phase !== 'closed'
      ? ''
      : status.qualified === null
        ? `; no keys: ${status.failure}`
        : `; qualified dealers ${status.qualified.join(', ')}`;
  return `session ${status.session}: ${status.phase}; dealt ${status.dealt.join(', ') || 'none'}; complaints ${complaints.join(', ') || 'none'}${result}`;
}

export function register(program: Command): void {
  const keygen = program
    .command('keygen')
    .description("the committee's coin keys, generated on its chain with no dealer (docs/ROLES.md)");
  keygen
    .command('open')
    .description(
      'open a key-generation session for the committee a validator’s chain records; its validators take part by themselves',
    )
    .requiredOption('--api <url>', 'a validator’s API, e.g. http://127.0.0.1:8080')
    .option('--deal-ms <ms>', 'length of the dealing phase, in block time', '10000')
    .option('--complain-ms <ms>', 'length of the complaint phase', '10000')
    .option('--justify-ms <ms>', 'length of the answer phase', '10000')
    .option('--wait <seconds>', 'then follow the session until it closes, at most this long')
    .option('--json', 'print JSON')
    .action(
      action(
        async (options: {
          api: string;
          dealMs: string;
          complainMs: string;
          justifyMs: string;
          wait?: string;
          json?: boolean;
        }) => {
          const lengths = {
            dealMs: phaseOption('deal-ms', options.dealMs),
            complainMs: phaseOption('complain-ms', options.complainMs),
            justifyMs: phaseOption('justify-ms', options.justifyMs),
          };
          const waitS = options.wait === undefined ? undefined : Number(options.wait);
          if (waitS !== undefined && !(Number.isInteger(waitS) && waitS >= 1 && waitS <= 86_400))
            throw new NodeError('BAD_CONFIG', `--wait must be 1..86400 seconds, got "${options.wait}"`, {});
          const client = new GridShardClient(options.api);
          const { chainId, shardId } = await client.roles();
          // Anyone may open a session (its members are always the committee), so a key of the
          // moment signs the envelope: a fresh key's first nonce is 0.
          const signer = ed25519Scheme.signer(new Uint8Array(randomBytes(32)));
          const tx = signTransaction(signer, {
            chainId,
            shardId,
            type: DKG_OPEN,
            payload: encodeOpen(lengths),
            nonce: 0n,
          });
          const session = await client.submit(encodeTransaction(tx));
          if (waitS === undefined) {
            if (options.json) printJson({ session, ...lengths });
            else
              console.log(
                `sent roles.dkg.open ${session}; the validators deal, complain and answer by themselves`,
              );
            return EXIT_OK;
          }
          const deadline = Date.now() + waitS * 1000;
          let last = '';
          for (;;) {
            const status = (await client.roles()).keyGeneration;
            if (status !== null && status.session === session) {
              const line = describe(status);
              if (!options.json && line !== last) console.log(line);
              last = line;
              if (status.phase === 'closed') {
                if (options.json) printJson(status);
                return status.qualified === null ? EXIT_CHECK_FAILED : EXIT_OK;
              }
            }
            const committed = await client.transaction(session);
            if (committed !== null && !committed.ok)
              throw new NodeError('BAD_CONFIG', `the chain refused the session: ${committed.code}`, {
                code: committed.code,
              });
            if (Date.now() > deadline)
              throw new NodeError('NOT_FOUND', `session ${session} did not close within ${waitS} s`, {
                session,
              });
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        },
      ),
    );
}

export function registerBench(_bench: Command): void {}
