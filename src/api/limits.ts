import { isIPv4, isIPv6, type Socket } from 'node:net';
import { ApiError } from './errors.js';

/**
 * Every bound the API edge enforces, with its default. Each can be set through `ApiOptions.limits`
 * or a `GRIDSHARD_API_*` environment variable (see `apiLimitsFromEnv`); docs/API.md lists them.
 */
export interface ApiLimits {
  /** Largest request body, except on the multi-transaction route. */
  readonly bodyLimitBytes: number;
  /** Largest body of `POST /api/v1/txs` (up to 1,000 transactions). */
  readonly batchBodyLimitBytes: number;
  /** Time a client has to send a whole request, headers and body; a trickled body is cut off. */
  readonly requestTimeoutMs: number;
  /** Time a client has to send the request headers (never more than `requestTimeoutMs`). */
  readonly headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  readonly keepAliveTimeoutMs: number;
  /** How often the server looks for requests over their timeout. */
  readonly timeoutCheckIntervalMs: number;
  /** Open connections from one client address; more are closed as they arrive. */
  readonly connectionsPerClient: number;
  /** Open connections in total. */
  readonly connections: number;
  /** Requests per second per client address, with an equal burst. */
  readonly rateLimitPerSecond: number;
  /** Challenge and session requests per second per client address (each session costs a signature check). */
  readonly authRateLimitPerSecond: number;
  /** How long a challenge may be answered. */
  readonly challengeTtlMs: number;
  /** Answered challenges remembered to refuse a second use. */
  readonly usedChallenges: number;
  /** How long a session token is valid. */
  readonly sessionTtlMs: number;
  /** Live sessions of one member key; a further one replaces the key's oldest. */
  readonly sessionsPerMember: number;
  /** Live sessions of members in total. */
  readonly memberSessions: number;
  /** Live sessions of keys that are not members, in total (the shared pool). */
  readonly guestSessions: number;
  /** Live guest sessions opened from one client address; a further one replaces its oldest. */
  readonly guestSessionsPerClient: number;
  /** Open event streams from one client address. */
  readonly eventStreamsPerClient: number;
  /** Open event streams in total. */
  readonly eventStreams: number;
  /** Bytes queued for one event stream whose reader is behind; past this, it is disconnected. */
  readonly eventStreamBufferBytes: number;
  /** A comment line is sent on an idle event stream this often, to keep it and detect dead readers. */
  readonly eventStreamHeartbeatMs: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = {
  bodyLimitBytes: 256 * 1024,
  batchBodyLimitBytes: 2 * 1024 * 1024,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  timeoutCheckIntervalMs: 1_000,
  connectionsPerClient: 64,
  connections: 4_096,
  rateLimitPerSecond: 2_000,
  authRateLimitPerSecond: 20,
  challengeTtlMs: 60_000,
  usedChallenges: 100_000,
  sessionTtlMs: 3_600_000,
  sessionsPerMember: 8,
  memberSessions: 100_000,
  guestSessions: 1_024,
  guestSessionsPerClient: 8,
  eventStreamsPerClient: 8,
  eventStreams: 256,
  eventStreamBufferBytes: 1024 * 1024,
  eventStreamHeartbeatMs: 15_000,
};

const ENV_NAMES: Record<keyof ApiLimits, string> = {
  bodyLimitBytes: 'GRIDSHARD_API_BODY_LIMIT_BYTES',
  batchBodyLimitBytes: 'GRIDSHARD_API_BATCH_BODY_LIMIT_BYTES',
  requestTimeoutMs: 'GRIDSHARD_API_REQUEST_TIMEOUT_MS',
  headersTimeoutMs: 'GRIDSHARD_API_HEADERS_TIMEOUT_MS',
  keepAliveTimeoutMs: 'GRIDSHARD_API_KEEP_ALIVE_TIMEOUT_MS',
  timeoutCheckIntervalMs: 'GRIDSHARD_API_TIMEOUT_CHECK_INTERVAL_MS',
  connectionsPerClient: 'GRIDSHARD_API_CONNECTIONS_PER_CLIENT',
  connections: 'GRIDSHARD_API_CONNECTIONS',
  rateLimitPerSecond: 'GRIDSHARD_API_RATE_LIMIT_PER_SECOND',
  authRateLimitPerSecond: 'GRIDSHARD_API_AUTH_RATE_LIMIT_PER_SECOND',
  challengeTtlMs: 'GRIDSHARD_API_CHALLENGE_TTL_MS',
  usedChallenges: 'GRIDSHARD_API_USED_CHALLENGES',
  sessionTtlMs: 'GRIDSHARD_API_SESSION_TTL_MS',
  sessionsPerMember: 'GRIDSHARD_API_SESSIONS_PER_MEMBER',
  memberSessions: 'GRIDSHARD_API_MEMBER_SESSIONS',
  guestSessions: 'GRIDSHARD_API_GUEST_SESSIONS',
  guestSessionsPerClient: 'GRIDSHARD_API_GUEST_SESSIONS_PER_CLIENT',
  eventStreamsPerClient: 'GRIDSHARD_API_EVENT_STREAMS_PER_CLIENT',
  eventStreams: 'GRIDSHARD_API_EVENT_STREAMS',
  eventStreamBufferBytes: 'GRIDSHARD_API_EVENT_STREAM_BUFFER_BYTES',
  eventStreamHeartbeatMs: 'GRIDSHARD_API_EVENT_STREAM_HEARTBEAT_MS',
};

export function apiLimitEnvName(name: keyof ApiLimits): string {
  return ENV_NAMES[name];
}

/** Defaults with the given overrides; every limit must be a positive safe integer. */
export function resolveLimits(overrides: Partial<ApiLimits> = {}): ApiLimits {
  const limits = { ...DEFAULT_API_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new ApiError('BAD_LIMIT', `API limit ${name} must be a positive integer`, { limit: name });
    }
  }
  return { ...limits, headersTimeoutMs: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) };
}

/** The limits set in `GRIDSHARD_API_*` variables; unset ones are left to the defaults. */
export function apiLimitsFromEnv(env: NodeJS.ProcessEnv): Partial<ApiLimits> {
  const limits: Partial<Record<keyof ApiLimits, number>> = {};
  for (const [name, variable] of Object.entries(ENV_NAMES) as [keyof ApiLimits, string][]) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    if (!/^[0-9]{1,15}$/.test(raw)) {
      throw new ApiError('BAD_LIMIT', `${variable} must be a positive integer`, { limit: name });
    }
    limits[name] = Number(raw);
  }
  resolveLimits(limits);
  return limits;
}

/**
 * The identity limits are counted against: an IPv4 address, or the /64 prefix of an IPv6 one
 * (one host usually holds a whole /64, so counting single IPv6 addresses would bound nothing).
 */
export function clientKey(ip: string | undefined): string {
  if (ip === undefined || ip === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped !== null) return mapped[1]!;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::')
    ? [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Counts open connections per client address and closes a connection past the client's cap
 * (or the total) as soon as it arrives, before a byte of it is parsed: a client holding many
 * slow connections takes only its own share of the server.
 */
export class ConnectionGuard {
  private readonly perClient = new Map<string, number>();
  private open = 0;

  constructor(
    private readonly limits: Pick<ApiLimits, 'connectionsPerClient' | 'connections'>,
    private readonly onRefused: (reason: 'connections-per-client' | 'connections') => void = () => {},
  ) {}

  get openConnections(): number {
    return this.open;
  }

  admit(socket: Socket): void {
    const client = clientKey(socket.remoteAddress);
    const held = this.perClient.get(client) ?? 0;
    if (held >= this.limits.connectionsPerClient || this.open >= this.limits.connections) {
      this.onRefused(held >= this.limits.connectionsPerClient ? 'connections-per-client' : 'connections');
      socket.destroy();
      return;
    }
    this.perClient.set(client, held + 1);
    this.open++;
    socket.once('close', () => {
      this.open--;
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left <= 0) this.perClient.delete(client);
      else this.perClient.set(client, left);
    });
  }
}
