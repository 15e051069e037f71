import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The node's Prometheus metrics, on a registry of its own (several nodes can share a process). */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly height: Gauge;
  readonly round: Gauge;
  readonly blocks: Counter;
  readonly committedTransactions: Counter;
  readonly refusedTransactions: Counter;
  readonly badTransactions: Counter;
  readonly mempoolSize: Gauge;
  readonly messagesIn: Counter;
  readonly badMessages: Counter;
  readonly commitLatency: Histogram;
  readonly signedLogSync: Histogram;
  readonly apiRequests: Counter;
  readonly apiRejected: Counter;
  readonly gossipMessages: Counter;
  readonly gossipProposed: Counter;
  readonly gossipAnnounced: Counter;
  readonly commitProofHeight: Gauge;
  readonly epochFirstCommitRound: Gauge;
  readonly finalityConflicts: Counter;
  readonly copiedBlocks: Counter;

  constructor(labels: { chainId: string; shardId: number; validator: number }) {
    this.registry.setDefaultLabels({
      chain: labels.chainId,
      shard: String(labels.shardId),
      validator: String(labels.validator),
    });
    const registers = [this.registry];
    this.height = new Gauge({
      name: 'gridshard_height',
      help: 'Height of the last block in the ledger',
      registers,
    });
    this.round = new Gauge({
      name: 'gridshard_consensus_round',
      help: 'Round of the last committed batch',
      registers,
    });
    this.blocks = new Counter({
      name: 'gridshard_blocks_total',
      help: 'Blocks appended since start',
      registers,
    });
    this.committedTransactions = new Counter({
      name: 'gridshard_transactions_committed_total',
      help: 'Transactions executed successfully',
      registers,
    });
    this.refusedTransactions = new Counter({
      name: 'gridshard_transactions_refused_total',
      help: 'Ordered transactions the ledger or a contract refused (receipt with an error code)',
      registers,
    });
    this.badTransactions = new Counter({
      name: 'gridshard_transactions_undecodable_total',
      help: 'Ordered byte strings that were not transactions',
      registers,
    });
    this.mempoolSize = new Gauge({
      name: 'gridshard_mempool_size',
      help: 'Admitted transactions not yet committed',
      registers,
    });
    this.messagesIn = new Counter({
      name: 'gridshard_consensus_messages_total',
      help: 'Consensus messages received',
      registers,
    });
    this.badMessages = new Counter({
      name: 'gridshard_consensus_bad_messages_total',
      help: 'Peer messages dropped as malformed',
      registers,
    });
    this.commitLatency = new Histogram({
      name: 'gridshard_commit_latency_seconds',
      help: 'From admission at this node to the block that holds the transaction',
      buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10],
      registers,
    });
    this.signedLogSync = new Histogram({
      name: 'gridshard_signed_log_sync_seconds',
      help: 'Each sync of the signed log, which the messages it covers wait for',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
      registers,
    });
    this.apiRequests = new Counter({
      name: 'gridshard_api_requests_total',
      help: 'HTTP API requests',
      labelNames: ['route', 'status'],
      registers,
    });
    this.apiRejected = new Counter({
      name: 'gridshard_api_rejected_total',
      help: 'HTTP API requests refused for bad input or rate limit',
      labelNames: ['reason'],
      registers,
    });
    this.gossipMessages = new Counter({
      name: 'gridshard_gossip_messages_total',
      help: 'Gossip messages received, by topic (tx, blocks) and validation result (accept, ignore, reject)',
      labelNames: ['topic', 'result'],
      registers,
    });
    this.gossipProposed = new Counter({
      name: 'gridshard_gossip_transactions_proposed_total',
      help: 'Gossiped transactions this validator put in its batches: as the designated one, or after the timeout',
      labelNames: ['reason'],
      registers,
    });
    this.gossipAnnounced = new Counter({
      name: 'gridshard_gossip_blocks_announced_total',
      help: 'Block announcements this validator published: as the designated announcer, or standing in for a silent one',
      labelNames: ['role'],
      registers,
    });
    this.commitProofHeight = new Gauge({
      name: 'gridshard_commit_proof_height',
      help: 'Highest block this node holds a commit proof for (2f + 1 signatures of the committee)',
      registers,
    });
    this.finalityConflicts = new Counter({
      name: 'gridshard_finality_conflicts_total',
      help: 'A validator signed two blocks for one height (double), or a quorum signed another block than ours (mismatch)',
      labelNames: ['kind'],
      registers,
    });
    this.epochFirstCommitRound = new Gauge({
      name: 'gridshard_epoch_first_commit_round',
      help: 'On a chain whose committee hands over: the DAG round of the leader of each epoch’s first commit at this node (1 when the new committee’s first wave commits)',
      labelNames: ['epoch'],
      registers,
    });
    this.copiedBlocks = new Counter({
      name: 'gridshard_copied_blocks_total',
      help: 'Final blocks copied from peers because they no longer retained what this validator needed, at a restart (start) or while running',
      labelNames: ['when'],
      registers,
    });
  }
}
