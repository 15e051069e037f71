import { GridShardError } from '../errors.js';

export type RouteErrorCode = 'MISSING_PARAMETER';

/** A route filled in wrongly by its caller (a path parameter without a value). */
export class RouteError extends GridShardError<RouteErrorCode, { route: string; parameter: string }> {}
