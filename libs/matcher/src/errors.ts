/** Why a serialized matcher could not be loaded; the caller rebuilds from a snapshot. */
export type MatcherFormatProblem =
  'VERSION_MISMATCH' | 'BAD_MAGIC' | 'TRUNCATED' | 'CHECKSUM_MISMATCH' | 'CORRUPT';

export class MatcherFormatError extends Error {
  override readonly name = 'MatcherFormatError';
  constructor(
    readonly problem: MatcherFormatProblem,
    message: string,
  ) {
    super(message);
  }
}

/** An entry, exclusion or delta whose value is not in the normalized form @threatline/ioc produces. Nothing of the
 *  build or batch that carried it is applied. */
export class MatcherInputError extends Error {
  override readonly name = 'MatcherInputError';
}
