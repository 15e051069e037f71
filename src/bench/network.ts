import { readFileSync } from 'node:fs';
import { sha256 } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import { TEST_NETWORK_CONNECTIONS_PER_CLIENT, TestNetwork } from '../devnet/test-network.js';
import { encodeKvPut, KV_PUT } from '../ledger/application.js';
import { encodeTransaction, signTransaction } from '../ledger/transaction.js';
import { fillPath, ROUTES } from '../routes/index.js';
import { ClientError } from '../sdk/client.js';
import { median, round } from './stats.js';

export interface NetworkBenchOptions {
  readonly transactions: number;
  readonly concurrency: number;
  /** Transactions per request: 1 posts each alone to /api/v1/tx, more go together to /api/v1/txs. */
  readonly batch: number;
  /** Submissions per second in all (0: as fast as the API admits them). */
  readonly ratePerSec: number;
  readonly p2pBasePort: number;
  readonly apiBasePort: number;
  /** How to start the command line in a child process (node flags and script). */
  readonly cli: readonly string[];
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return round(kb / 1024, 1);
  } catch {
    return Number.NaN;
  }
}

/** CPU time (user + system) a process has used so far, in milliseconds; NaN when unreadable. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    // Fields after the command name (which may hold spaces) start at index 2 of the split below.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Starts a 4-validator network on loopback as separate processes, submits pre-signed transactions
 * through the HTTP API from concurrent clients spread over the validators, and measures committed
 * throughput and submission-to-commit latency (until the block holding the transaction can be
 * read from validator 0's API).
 */
export async function runNetworkBenchmark(options: NetworkBenchOptions) {
  const network = new TestNetwork({
    chainId: 'bench-network',
    cli: options.cli,
    p2pBasePort: options.p2pBasePort,
    apiBasePort: options.apiBasePort,
    clientTimeoutMs: 30_000,
    // Every worker may hold a connection to one validator, next to the event stream and status reads.
    connectionsPerClient: Math.max(TEST_NETWORK_CONNECTIONS_PER_CLIENT, options.concurrency + 16),
  });
  const { apis, clients, supervisor } = network;
  try {
    await network.start(180_000);
    // Enough senders that none runs more than 128 nonces ahead (the ledger accepts a window of 256).
    const senderCount = Math.max(64, Math.ceil(options.transactions / 128));
    const senders = Array.from({ length: senderCount }, (_, i) =>
      ed25519Scheme.signer(sha256(new TextEncoder().encode(`bench sender ${i}`))),
    );
    const signed = Array.from({ length: options.transactions }, (_, k) =>
      encodeTransaction(
        signTransaction(senders[k % senders.length]!, {
          chainId: 'bench-network',
          shardId: 0,
          type: KV_PUT,
          payload: encodeKvPut(
            new TextEncoder().encode(`meter ${k % 5000}`),
            new TextEncoder().encode(`${k}`),
          ),
          nonce: BigInt(Math.floor(k / senders.length)),
        }),
      ),
    );
    // Open loop: clients submit as fast as the API admits; a follower reads each new block from
    // validator 0 and stamps the commit time of the transactions in it.
    const submittedAt = new Map<string, number>();
    const latencies: number[] = [];
    let next = 0;
    let refused = 0;
    const refusals: Record<string, number> = {};
    const refuse = (code: string, count: number) => {
      refused += count;
      refusals[code] = (refusals[code] ?? 0) + count;
    };
    let submitting = true;
    const pids = supervisor.nodes.map((n) => n.process?.pid);
    const cpuBefore = pids.map(cpuMs);
    const benchCpuBefore = process.cpuUsage();
    const started = performance.now();
    const worker = async (w: number) => {
      const client = clients[w % clients.length]!;
      while (next < signed.length) {
        const first = next;
        const end = Math.min(signed.length, first + options.batch);
        next = end;
        if (options.ratePerSec > 0) {
          const due = started + (first * 1000) / options.ratePerSec;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        const at = performance.now();
        try {
          if (options.batch === 1) {
            submittedAt.set(await client.submit(signed[first]!), at);
            continue;
          }
          for (const result of await client.submitMany(signed.slice(first, end))) {
            if (result.status === 'pending') submittedAt.set(result.hash, at);
            else refuse(result.code, 1);
          }
        } catch (error) {
          refuse(error instanceof ClientError ? (error.data.code ?? error.code) : 'ERROR', end - first);
        }
      }
    };
    // Blocks are followed on validator 0's event stream: each transaction's commit time is when
    // the block holding it is announced there.
    const events = await fetch(`${apis[0]}${fillPath(ROUTES.events, {})}`);
    const reader = events.body!.getReader();
    const follower = async () => {
      const decoder = new TextDecoder();
      let buffered = '';
      const deadline = () => performance.now() - started > 300_000;
      while ((submitting || latencies.length < submittedAt.size) && !deadline()) {
        const { value, done } = await reader.read();
        if (done) break;
        const now = performance.now();
        buffered += decoder.decode(value, { stream: true });
        const messages = buffered.split('\n\n');
        buffered = messages.pop() ?? '';
        for (const message of messages) {
          const data = message.split('\n').find((line) => line.startsWith('data: '));
          if (data === undefined) continue;
          for (const hash of (JSON.parse(data.slice(6)) as { transactionHashes: string[] })
            .transactionHashes) {
            const at = submittedAt.get(hash);
            if (at !== undefined) latencies.push(now - at);
          }
        }
      }
      await reader.cancel();
    };
    const following = follower();
    await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
    submitting = false;
    await following;
    const elapsedS = (performance.now() - started) / 1000;
    const nodeCpuMs = pids.map((pid, i) => cpuMs(pid) - cpuBefore[i]!);
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const sorted = latencies.sort((a, b) => a - b);
    const rss = supervisor.nodes.map((n) => rssMb(n.process?.pid));
    const status = await clients[0]!.status();
    return {
      benchmark: 'network',
      validators: 4,
      transactions: options.transactions,
      concurrency: options.concurrency,
      transactionsPerRequest: options.batch,
      offeredRatePerSec: options.ratePerSec === 0 ? 'unlimited' : options.ratePerSec,
      committed: latencies.length,
      refused,
      refusals,
      committedTxPerSec: round(latencies.length / elapsedS, 1),
      p50LatencyMs: round(percentile(sorted, 50), 1),
      p99LatencyMs: round(percentile(sorted, 99), 1),
      meanLatencyMs: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length), 1),
      rssMbPerNode: round(median(rss.filter((v) => Number.isFinite(v))), 1),
      rssMbByNode: rss,
      // CPU per committed transaction, all four validators together and the submitting clients
      // apart: unlike throughput it hardly moves when other jobs share the machine.
      nodeCpuMsPerTx: round(nodeCpuMs.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length), 3),
      clientCpuMsPerTx: round((benchCpu.user + benchCpu.system) / 1000 / Math.max(1, latencies.length), 3),
      nodeCpuShare: round(nodeCpuMs.reduce((a, b) => a + b, 0) / 1000 / elapsedS, 2),
      height: status.height,
      elapsedS: round(elapsedS, 2),
    };
  } finally {
    await network.stop(5000);
    network.remove();
  }
}
