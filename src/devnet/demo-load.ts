import { readFileSync, writeFileSync } from 'node:fs';
import { sha256 } from '../crypto/hash.js';
import { ed25519Scheme, type Signer } from '../crypto/scheme.js';
import { encodeKvPut, KV_PUT } from '../ledger/application.js';
import { signTransaction } from '../ledger/transaction.js';
import type { GenesisFile } from '../node/genesis-file.js';
import { GridShardClient, urlsFrom } from '../sdk/client.js';

interface LoadState {
  nonces: Record<string, string>;
}

/**
 * The devnet's demo traffic: meters on the IEEE 33-bus feeder report readings every few seconds,
 * each as a signed transaction sent to one validator, or to the next one while it is down. Nonces
 * are kept in a file so a restarted devnet goes on where it stopped.
 */
export class DemoLoad {
  private readonly meters: { signer: Signer; bus: number; client: GridShardClient }[];
  private readonly nonces = new Map<string, bigint>();
  private timer: NodeJS.Timeout | null = null;
  private submitted = 0;
  private refused = 0;
  private round = 0;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly genesis: GenesisFile,
    apis: readonly string[],
    private readonly stateFile: string,
  ) {
    this.meters = Array.from({ length: 8 }, (_, i) => ({
      signer: ed25519Scheme.signer(sha256(new TextEncoder().encode(`${genesis.chainId}/demo meter ${i}`))),
      bus: 2 + i * 4,
      // Meters start at different validators and fail over to the others.
      client: new GridShardClient(urlsFrom(apis, i), 5000),
    }));
    try {
      const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as LoadState;
      for (const [key, value] of Object.entries(saved.nonces)) this.nonces.set(key, BigInt(value));
    } catch {
      // first run
    }
  }

  start(intervalMs = 2000): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.sendRound());
    }, intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    await this.running;
    const nonces: Record<string, string> = {};
    for (const [key, value] of this.nonces) nonces[key] = value.toString();
    writeFileSync(this.stateFile, JSON.stringify({ nonces } satisfies LoadState));
  }

  summary(): string {
    return `demo load: ${this.submitted} transactions sent, ${this.refused} refused`;
  }

  /** One reading from every meter. */
  async sendRound(): Promise<void> {
    this.round++;
    await Promise.all(
      this.meters.map(async (meter, i) => {
        const id = Buffer.from(meter.signer.publicKey).toString('hex');
        const nonce = this.nonces.get(id) ?? 0n;
        const readingWh = 1000 + ((this.round * 37 + i * 101) % 900);
        const tx = signTransaction(meter.signer, {
          chainId: this.genesis.chainId,
          shardId: this.genesis.shardId,
          type: KV_PUT,
          payload: encodeKvPut(
            new TextEncoder().encode(`meter/bus-${meter.bus}`),
            new TextEncoder().encode(JSON.stringify({ round: this.round, energyWh: readingWh })),
          ),
          nonce,
        });
        try {
          await meter.client.submit(tx);
          this.nonces.set(id, nonce + 1n);
          this.submitted++;
        } catch {
          this.refused++;
        }
      }),
    );
  }
}
