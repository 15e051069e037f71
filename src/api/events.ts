import type { StoredBlock } from '../ledger/store.js';
import { ROUTES } from '../routes/index.js';
import type { ApiNode } from './interface.js';
import { type ApiLimits, clientKey } from './limits.js';
import { sendProblem } from './problem.js';
import type { RouteServer } from './route-server.js';

/** Where a stream's bytes go: an HTTP response, or a stand-in in tests. */
export interface StreamSink {
  /** False when the bytes were buffered because the reader is behind (Node's back-pressure). */
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  destroy(): void;
}

interface Stream {
  readonly client: string;
  readonly sink: StreamSink;
  /** Chunks held back while the sink is congested, and their size. */
  queue: string[];
  queuedBytes: number;
  congested: boolean;
}

export type StreamLimits = Pick<
  ApiLimits,
  'eventStreamsPerClient' | 'eventStreams' | 'eventStreamBufferBytes' | 'eventStreamHeartbeatMs'
>;

/**
 * One fan-out for every server-sent event stream: a single `block` listener on the node, each
 * event serialised once and written to every stream. Events known only once some asynchronous
 * work ends (a cycle's credit audit) go out the same way, through `publishEvent`. Streams are
 * capped per client address and in total. A stream whose reader falls behind (write() returns
 * false) gets a bounded queue of its own; past that bound it is disconnected, so a slow reader
 * costs a bounded amount of memory and never slows the others.
 */
export class EventHub {
  private readonly streams = new Set<Stream>();
  private readonly perClient = new Map<string, number>();
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly onBlock = (block: StoredBlock) => this.publish(this.format(block));

  constructor(
    private readonly source: Pick<ApiNode, 'on' | 'off'>,
    private readonly limits: StreamLimits,
    private readonly format: (block: StoredBlock) => string,
    private readonly onDropped: (reason: 'slow-reader') => void = () => {},
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /** Why a stream from `client` cannot be opened now, or null when it can. */
  refusal(client: string): 'per-client' | 'total' | null {
    if ((this.perClient.get(client) ?? 0) >= this.limits.eventStreamsPerClient) return 'per-client';
    if (this.streams.size >= this.limits.eventStreams) return 'total';
    return null;
  }

  /** Adds a stream (after `refusal` said yes); the returned function removes it, once. */
  attach(client: string, sink: StreamSink): () => void {
    const stream: Stream = { client, sink, queue: [], queuedBytes: 0, congested: false };
    this.streams.add(stream);
    this.perClient.set(client, (this.perClient.get(client) ?? 0) + 1);
    if (this.streams.size === 1) {
      this.source.on('block', this.onBlock);
      this.heartbeat = setInterval(() => this.publish(': ping\n\n'), this.limits.eventStreamHeartbeatMs);
      this.heartbeat.unref();
    }
    return () => this.detach(stream);
  }

  publish(chunk: string): void {
    for (const stream of this.streams) this.send(stream, chunk);
  }

  /**
   * Sends one event that no block listener formats: one that is known only later, when work
   * started by a block ends (a cycle's credit audit). Same queues and bounds as a block's.
   */
  publishEvent(name: string, data: unknown): void {
    if (this.streams.size === 0) return;
    this.publish(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends every stream (the server is closing). */
  close(): void {
    for (const stream of [...this.streams]) {
      this.detach(stream);
      stream.sink.destroy();
    }
  }

  private send(stream: Stream, chunk: string): void {
    if (stream.congested) {
      stream.queue.push(chunk);
      stream.queuedBytes += Buffer.byteLength(chunk);
      if (stream.queuedBytes > this.limits.eventStreamBufferBytes) {
        this.detach(stream);
        this.onDropped('slow-reader');
        stream.sink.destroy();
      }
      return;
    }
    if (!stream.sink.write(chunk)) this.congest(stream);
  }

  private congest(stream: Stream): void {
    stream.congested = true;
    stream.sink.once('drain', () => {
      if (!this.streams.has(stream)) return;
      stream.congested = false;
      const pending = stream.queue.join('');
      stream.queue = [];
      stream.queuedBytes = 0;
      if (pending.length > 0 && !stream.sink.write(pending)) this.congest(stream);
    });
  }

  private detach(stream: Stream): void {
    if (!this.streams.delete(stream)) return;
    stream.queue = [];
    const left = (this.perClient.get(stream.client) ?? 1) - 1;
    if (left <= 0) this.perClient.delete(stream.client);
    else this.perClient.set(stream.client, left);
    if (this.streams.size === 0) {
      this.source.off('block', this.onBlock);
      if (this.heartbeat !== null) clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }
}

export function registerEventRoutes(server: RouteServer, hub: EventHub, onRefused: (reason: string) => void) {
  server.app.addHook('preClose', async () => hub.close());
  server.serve(ROUTES.events, (request, reply) => {
    const client = clientKey(request.ip);
    const refusal = hub.refusal(client);
    if (refusal === 'per-client') {
      onRefused('event-streams-per-client');
      return sendProblem(reply, 429, 'too many event streams from this address', 'TOO_MANY_STREAMS');
    }
    if (refusal === 'total') {
      onRefused('event-streams');
      return sendProblem(reply, 503, 'this node serves no more event streams now', 'STREAMS_FULL');
    }
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    reply.raw.write(': connected\n\n');
    const detach = hub.attach(client, reply.raw);
    reply.raw.on('close', detach);
  });
}
