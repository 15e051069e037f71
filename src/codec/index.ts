export { CodecError, type CodecErrorCode } from './errors.js';
export { decodeExact, Reader } from './reader.js';
export { Writer } from './writer.js';
