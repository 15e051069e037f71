import { GridShardError } from '../errors.js';

/**
 * Every way the grid engine refuses input or fails to find an answer. Callers switch on the code;
 * the data names the statement, element or figure involved so the message can be acted on.
 */
export type GridErrorCode =
  /** A case file's text is not valid MATPOWER syntax. */
  | 'CASE_SYNTAX'
  /** A case file is valid syntax but uses a statement or field the importer cannot interpret. */
  | 'CASE_UNSUPPORTED'
  /** A case or grid document is readable but its content is inconsistent (unknown bus, bad value). */
  | 'GRID_INVALID'
  /** Part of the network is not connected to the slack bus. */
  | 'GRID_ISLANDED'
  /** The requested method cannot solve this network (the sweep on a meshed one). */
  | 'METHOD_UNSUITABLE'
  /** The power flow did not converge: the operating point probably does not exist. */
  | 'NOT_CONVERGED'
  /** The Newton-Raphson Jacobian was singular. */
  | 'SINGULAR_JACOBIAN'
  /** A schedule document is malformed or refers to unknown buses. */
  | 'SCHEDULE_INVALID'
  /**
   * Congestion management found no adjustment that removes the violations, and the schedule with
   * every position curtailed to zero is insecure too (it is in the payload as `floor`).
   */
  | 'CONGESTION_INFEASIBLE'
  /** Congestion management needs the HiGHS solver and none was given, or it cannot be loaded. */
  | 'SOLVER_FAILED'
  /** A tariff table is malformed or does not cover a voltage level. */
  | 'TARIFF_INVALID';

export class GridError extends GridShardError<GridErrorCode, { [key: string]: unknown }> {}
