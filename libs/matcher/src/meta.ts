// An entry's metadata for one source, packed in one int32 stored beside its key: 0 when the source does not
// hold the key, else (auditIndex + 1) << 1 | dryRun. Every table keeps two: value0 = MDR, value1 = X-Ops.

export const ABSENT = 0;

export function packMeta(auditIndex: number, dryRun: boolean): number {
  return ((auditIndex + 1) << 1) | (dryRun ? 1 : 0);
}

export function metaAuditIndex(meta: number): number {
  return (meta >>> 1) - 1;
}

export function metaDryRun(meta: number): boolean {
  return (meta & 1) === 1;
}
