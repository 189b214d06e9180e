/**
 * Checks a caller-derived job id. Ids are derived from the payload (e.g. `publish-<feedId>-<version>`)
 * so a duplicate enqueue is recognized; BullMQ reserves ids with ':' and ids that are integers.
 */
export function assertJobId(jobId: string): void {
  if (jobId.length === 0 || jobId.length > 512 || jobId.includes(':') || /^-?\d+$/.test(jobId)) {
    throw new Error(`invalid job id "${jobId}": 1 to 512 characters, no ':', not an integer`);
  }
}
