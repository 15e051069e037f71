import { GridShardError } from '../errors.js';

export type CryptoErrorCode =
  | 'BAD_KEY_LENGTH'
  | 'BAD_PUBLIC_KEY'
  | 'BAD_SIGNATURE_LENGTH'
  | 'UNKNOWN_SCHEME'
  | 'BAD_KEYSTORE'
  | 'WRONG_PASSWORD'
  | 'BAD_SEALED_BOX';

export class CryptoError extends GridShardError<CryptoErrorCode> {}
