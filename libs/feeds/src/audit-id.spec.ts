import { describe, expect, it } from 'vitest';
import { AUDIT_ID_PATTERN, newAuditId } from './audit-id';

describe('newAuditId', () => {
  it('names the source and the UTC day', () => {
    const id = newAuditId('MDR', new Date('2026-11-23T23:59:59.999Z'));
    expect(id).toMatch(/^MDR-20261123-[0-9A-Z]{8}$/);
    expect(newAuditId('XOPS', new Date('2027-01-02T00:00:00Z'))).toMatch(/^XOPS-20270102-/);
  });

  it('uses only Crockford base32 letters', () => {
    for (let i = 0; i < 2000; i++) expect(newAuditId('MDR')).toMatch(AUDIT_ID_PATTERN);
  });

  it('does not repeat itself', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => newAuditId('MDR')));
    expect(ids.size).toBe(20_000);
  });
});
