import { GridShardError } from '../errors.js';

export type ApiErrorCode = 'BAD_LIMIT';

export class ApiError extends GridShardError<ApiErrorCode, Record<string, unknown>> {}
