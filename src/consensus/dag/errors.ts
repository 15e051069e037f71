import { GridShardError } from '../../errors.js';

export type DagErrorCode = 'BAD_INIT' | 'BAD_CONFIG' | 'BAD_SNAPSHOT' | 'BAD_SIGNED_LOG' | 'BAD_CERTIFICATE';

export class DagError extends GridShardError<DagErrorCode, Record<string, unknown>> {}
