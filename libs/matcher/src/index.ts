export * from './types';
export { MatcherFormatError, MatcherInputError, type MatcherFormatProblem } from './errors';
export { StateChecksum, Fnv1a64, iocChecksumItem, exclusionChecksumItem } from './state-checksum';
export { Matcher, type MatcherStats } from './matcher';
export { FORMAT_VERSION } from './serialize';
export { ColumnsBuild, type IocColumns } from './columns-build';
