import { toHex } from '../crypto/hash.js';
import { isGridShardError } from '../errors.js';
import { checkedFlow, flowAnswer } from '../market/interval-flow.js';
import { MarketStore } from '../market/store.js';
import { ROUTES } from '../routes/index.js';
import type { ApiNode } from './interface.js';
import { sendProblem } from './problem.js';
import type { RouteServer } from './route-server.js';

/**
 * The power flow behind an interval's security check, read from one committed view so its
 * records all belong to the same block. The route is declared `owner-or-regulator`: the route
 * server has checked the session against `key`; the handler adds that `key` is the cycle's grid
 * enterprise, so a member cannot read the feeder's flows by naming itself.
 */
export function registerGridRoutes(server: RouteServer, node: ApiNode): void {
  server.serve(ROUTES.powerFlow, async (request, reply) => {
    const { cycleId, key } = request.params;
    const interval = Number(request.params.interval);
    const view = node.store.committed;
    const cycle = new MarketStore({ get: (k) => view.getState(k), set() {}, delete() {} }).cycle(cycleId);
    if (cycle === undefined) return sendProblem(reply, 404, `no cycle ${cycleId}`, 'NOT_FOUND');
    const gridEnterprise = toHex(cycle.gridEnterprise);
    // Checked before the flow is computed: a refused request costs no power flow.
    if (key !== gridEnterprise) {
      return sendProblem(reply, 403, 'key must name the cycle’s grid enterprise', 'FORBIDDEN');
    }
    let flow: ReturnType<typeof checkedFlow>;
    try {
      flow = checkedFlow({ get: (k) => view.getState(k) }, cycleId, interval);
    } catch (error) {
      if (isGridShardError(error) && error.code === 'NOT_FOUND') {
        return sendProblem(reply, 404, error.message, 'NOT_FOUND');
      }
      if (isGridShardError(error)) {
        return sendProblem(reply, 422, `the power flow cannot be computed: ${error.message}`, error.code);
      }
      throw error;
    }
    return {
      cycleId,
      interval,
      gridEnterprise,
      height: view.height,
      outcome: { outcome: flow.outcome.outcome, code: flow.outcome.code, reason: flow.outcome.reason },
      adjustments: flow.deals
        .filter((d) => d.energyWh !== d.matchedWh || d.adjustmentReason !== '')
        .map((d) => ({
          seller: toHex(d.seller),
          buyer: toHex(d.buyer),
          matchedWh: d.matchedWh,
          energyWh: d.energyWh,
          reason: d.adjustmentReason,
        })),
      asMatched: flowAnswer(flow.asMatched),
      afterCheck: flowAnswer(flow.afterCheck),
    };
  });
}
