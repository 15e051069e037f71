import type { CommitMessage, PrePrepareMessage, PrepareMessage } from './messages.js';
import type { ReplicaState } from './replica-state.js';

export type NormalCaseMessage = PrePrepareMessage | PrepareMessage | CommitMessage;

/**
 * Normal-case messages of a view we have not entered yet (the new-view is still on its way):
 * held, bounded per sender and to the next two views and two windows, and handed back when we
 * enter that view.
 */
export class EarlyMessages {
  private early: NormalCaseMessage[] = [];

  constructor(
    private readonly state: ReplicaState,
    private readonly n: number,
    private readonly windowSize: number,
  ) {}

  /** True when `m` belongs to a view not entered yet (it is then held if there is room). */
  hold(m: NormalCaseMessage): boolean {
    const { view, changing, stable } = this.state;
    if (m.view < view || (m.view === view && !changing)) return false;
    const limit = Math.ceil(((2 * this.n + 1) * this.windowSize) / this.n);
    if (
      m.view <= view + 2 &&
      m.sequence >= stable.count &&
      m.sequence < stable.count + 2 * this.windowSize &&
      this.early.filter((e) => e.from === m.from).length < limit
    ) {
      this.early.push(m);
    }
    return true;
  }

  /** The held messages of the current view, in arrival order; older ones are dropped. */
  takeReady(): NormalCaseMessage[] {
    const view = this.state.view;
    const ready = this.early.filter((m) => m.view === view);
    this.early = this.early.filter((m) => m.view > view);
    return ready;
  }
}
