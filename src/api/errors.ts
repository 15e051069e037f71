import { GridShardError } from '../errors.js';

export type ApiErrorCode = 'BAD_LIMIT' | 'ROUTE_SERVED_TWICE' | 'ROUTE_NOT_SERVED';

export class ApiError extends GridShardError<ApiErrorCode, Record<string, unknown>> {}
