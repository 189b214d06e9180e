export * from './stream-ids';
export * from './entries';
export { EMPTY_CHECKSUM, checksumItemOf, stateChecksumOf } from './checksum';
export * from './messages';
export * from './close-codes';
export * from './parse';
export * from './snapshot-frame';
