import { GridShardError } from '../errors.js';

export type CryptoErrorCode =
  | 'BAD_KEY_LENGTH'
  | 'BAD_PUBLIC_KEY'
  | 'BAD_SIGNATURE_LENGTH'
  | 'UNKNOWN_SCHEME'
  | 'BAD_KEYSTORE'
  | 'WRONG_PASSWORD';

export class CryptoError extends GridShardError<CryptoErrorCode> {}
