import { spawnSync } from 'node:child_process';

/** Runs `ip` with a bound, so a wedged netlink call fails the test instead of hanging it. */
function ip(args: readonly string[]): { ok: boolean; output: string } {
  const result = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (result.error !== undefined) return { ok: false, output: result.error.message };
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

function mustIp(args: readonly string[]): string {
  const result = ip(args);
  if (!result.ok) throw new Error(`ip ${args.join(' ')}: ${result.output}`);
  return result.output;
}

/**
 * Why this machine cannot build a namespace topology, or null when it can. The probe creates and
 * deletes a namespace and a bridge, because being root is not enough inside some containers.
 */
export function netnsUnavailable(prefix: string): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return `network namespaces need root (running as uid ${uid})`;
  const version = spawnSync('ip', ['-V'], { encoding: 'utf8', timeout: 10_000 });
  if (version.error !== undefined || version.status !== 0) {
    return 'the ip command (iproute2) is not installed; on Debian: apt-get install iproute2';
  }
  const probe = `${prefix}probe`;
  const added = ip(['netns', 'add', probe]);
  if (!added.ok) return `ip netns add failed: ${added.output}`;
  ip(['netns', 'del', probe]);
  const bridge = `${prefix}pb`;
  const bridged = ip(['link', 'add', bridge, 'type', 'bridge']);
  if (!bridged.ok) return `ip link add type bridge failed: ${bridged.output}`;
  ip(['link', 'del', bridge]);
  return null;
}

/**
 * The first 10.213.N.0/24 from `start` on that no interface of this machine already uses, so two
 * runs (or something else on the host) do not route the same subnet to two bridges.
 */
export function freeSubnet(start: number): string {
  const used = mustIp(['-4', '-o', 'addr', 'show']);
  const routes = mustIp(['-4', 'route', 'show']);
  for (let k = 0; k < 254; k++) {
    const n = ((start + k) % 254) + 1;
    const subnet = `10.213.${n}`;
    if (!used.includes(` ${subnet}.`) && !routes.includes(`${subnet}.`)) return subnet;
  }
  throw new Error('no free 10.213.N.0/24 subnet');
}

/**
 * One network namespace per validator, each with one veth whose other end is a port of a bridge in
 * the root namespace. The bridge holds `.1`, so this process reaches every namespace directly;
 * validator i is `.(10 + i)`. Everything created is recorded so that `destroy` removes exactly
 * that, whatever point setup reached.
 */
export class NetnsTopology {
  readonly bridge: string;
  readonly namespaces: string[];
  readonly hosts: string[];
  private readonly rootEnds: string[];
  private readonly created: Array<{ kind: 'netns' | 'link'; name: string }> = [];

  constructor(
    private readonly prefix: string,
    readonly subnet: string,
    count: number,
  ) {
    this.bridge = `${prefix}br`;
    this.namespaces = Array.from({ length: count }, (_, i) => `${prefix}n${i}`);
    this.rootEnds = Array.from({ length: count }, (_, i) => `${prefix}v${i}`);
    this.hosts = Array.from({ length: count }, (_, i) => `${subnet}.${10 + i}`);
  }

  create(): void {
    mustIp(['link', 'add', this.bridge, 'type', 'bridge']);
    this.created.push({ kind: 'link', name: this.bridge });
    mustIp(['addr', 'add', `${this.subnet}.1/24`, 'dev', this.bridge]);
    mustIp(['link', 'set', this.bridge, 'up']);
    this.namespaces.forEach((ns, i) => {
      const rootEnd = this.rootEnds[i]!;
      const inner = `${this.prefix}p${i}`;
      mustIp(['netns', 'add', ns]);
      this.created.push({ kind: 'netns', name: ns });
      mustIp(['link', 'add', rootEnd, 'type', 'veth', 'peer', 'name', inner]);
      this.created.push({ kind: 'link', name: rootEnd });
      mustIp(['link', 'set', inner, 'netns', ns]);
      mustIp(['link', 'set', rootEnd, 'master', this.bridge, 'up']);
      mustIp(['-n', ns, 'addr', 'add', `${this.hosts[i]}/24`, 'dev', inner]);
      mustIp(['-n', ns, 'link', 'set', inner, 'up']);
      mustIp(['-n', ns, 'link', 'set', 'lo', 'up']);
    });
  }

  /** The command that starts a process inside validator i's namespace. */
  launcher(index: number): string[] {
    return ['ip', 'netns', 'exec', this.namespaces[index]!];
  }

  /** Takes validator i's bridge port down: its namespace keeps its address but loses carrier. */
  cut(index: number): void {
    mustIp(['link', 'set', this.rootEnds[index]!, 'down']);
  }

  reconnect(index: number): void {
    mustIp(['link', 'set', this.rootEnds[index]!, 'up']);
  }

  /** Removes what `create` made, newest first; returns what could not be removed. */
  destroy(): string[] {
    const left: string[] = [];
    for (const item of this.created.splice(0).reverse()) {
      if (item.kind === 'netns') {
        // Deleting a namespace also deletes the veth end inside it, and with it the pair.
        const result = ip(['netns', 'del', item.name]);
        if (!result.ok && ip(['netns', 'pids', item.name]).ok) left.push(`netns ${item.name}`);
      } else if (ip(['link', 'show', item.name]).ok) {
        const result = ip(['link', 'del', item.name]);
        if (!result.ok) left.push(`link ${item.name}: ${result.output}`);
      }
    }
    return left;
  }
}

/**
 * Runs a short script inside a namespace with this Node binary; the way to look at a validator that
 * this process can no longer reach.
 */
export function runInNamespace(ns: string, script: string): string {
  const result = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(`in ${ns}: ${result.error?.message ?? result.stderr}`);
  }
  return result.stdout;
}
