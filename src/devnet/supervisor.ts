import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { GridShardClient } from '../sdk/client.js';

export interface SupervisorOptions {
  /**
   * A command each validator's process is started through, such as `ip netns exec NAME` to run it
   * inside its own network namespace. It must exec the node in place, so that signals sent to the
   * child reach the node itself.
   */
  readonly launcher?: (index: number) => readonly string[];
}

export interface SupervisedNode {
  readonly index: number;
  readonly api: string;
  process: ChildProcess | null;
  restarts: number;
}

/**
 * Runs each validator as its own OS process (the same `gridshard node start` an operator runs),
 * with its log in its folder, and stops them all with SIGTERM, then SIGKILL after a grace period.
 */
export class Supervisor {
  readonly nodes: SupervisedNode[];
  private stopping = false;

  constructor(
    private readonly dir: string,
    apis: readonly string[],
    private readonly cli: readonly string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly options: SupervisorOptions = {},
  ) {
    this.nodes = apis.map((api, index) => ({ index, api, process: null, restarts: 0 }));
  }

  start(index: number): void {
    const node = this.nodes[index]!;
    const folder = join(this.dir, `validator-${index}`);
    const log = createWriteStream(join(folder, 'node.log'), { flags: 'a' });
    const command = [
      ...(this.options.launcher?.(index) ?? []),
      process.execPath,
      ...this.cli,
      'node',
      'start',
      '--config',
      join(folder, 'config.json'),
    ];
    const child = spawn(command[0]!, command.slice(1), {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    node.process = child;
    child.on('exit', () => {
      if (node.process === child) node.process = null;
    });
  }

  startAll(): void {
    for (const node of this.nodes) this.start(node.index);
  }

  /** Waits until every node's API answers, or throws naming the ones that did not. */
  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(this.nodes.map((n) => n.index));
    while (pending.size > 0) {
      for (const index of [...pending]) {
        try {
          await new GridShardClient(this.nodes[index]!.api, 1000).status();
          pending.delete(index);
        } catch {
          if (this.nodes[index]!.process === null && !this.stopping) {
            throw new Error(
              `validator ${index} exited; see ${join(this.dir, `validator-${index}`, 'node.log')}`,
            );
          }
        }
      }
      if (pending.size === 0) break;
      if (Date.now() > deadline)
        throw new Error(`validators ${[...pending].join(', ')} did not answer in time`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  kill(index: number, signal: NodeJS.Signals): void {
    this.nodes[index]!.process?.kill(signal);
  }

  async stopAll(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const exits = this.nodes.map(
      (node) =>
        new Promise<void>((resolve) => {
          const child = node.process;
          if (child === null || child.exitCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
  }
}
