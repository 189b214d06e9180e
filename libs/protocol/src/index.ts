export * from './stream-ids';
export * from './entries';
export { EMPTY_CHECKSUM, checksumItemOf, stateChecksumOf } from './checksum';
export { entryIssue, isEntryOf, type EntryIssue } from './entry-check';
export * from './messages';
export * from './threat-event';
export * from './close-codes';
export * from './parse';
export * from './snapshot-frame';
