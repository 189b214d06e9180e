import { DomainException, ErrorKind } from '@threatline/errors';
import { describe, expect, it } from 'vitest';
import { parseNormalizeRequest, parsePushFeedRequest } from './push-feed.request';

const TENANT = '6f1c1e0a-8a53-4c1e-9d0b-1f2a3b4c5d6e';

function failure(body: unknown): DomainException {
  try {
    parsePushFeedRequest(body);
  } catch (error) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parsePushFeedRequest', () => {
  it('accepts the contract shape and fills nothing in', () => {
    const request = parsePushFeedRequest({
      tenantIds: [TENANT.toUpperCase(), TENANT],
      groupIds: [],
      description: ' APT ',
      severity: 'high',
      dryRun: true,
      indicators: [{ value: 'evil.com', type: 'domain', ttlSeconds: 60, description: 'c2' }],
    });
    expect(request).toEqual({
      tenantIds: [TENANT],
      groupIds: [],
      description: 'APT',
      severity: 'high',
      dryRun: true,
      indicators: [{ value: 'evil.com', type: 'domain', ttlSeconds: 60, description: 'c2' }],
    });
  });

  it.each([
    [null, '(body)'],
    [[], '(body)'],
    [{ indicators: [{ value: 'a.com' }] }, 'tenantIds'],
    [{ tenantIds: [], indicators: [{ value: 'a.com' }] }, 'tenantIds'],
    [{ tenantIds: ['t1'], indicators: [{ value: 'a.com' }] }, 'tenantIds.0'],
    [{ tenantIds: [TENANT], groupIds: 'g', indicators: [{ value: 'a.com' }] }, 'groupIds'],
    [{ tenantIds: [TENANT], indicators: [] }, 'indicators'],
    [{ tenantIds: [TENANT], indicators: 'a.com' }, 'indicators'],
    [{ tenantIds: [TENANT], indicators: ['a.com'] }, 'indicators.0'],
    [{ tenantIds: [TENANT], indicators: [{ value: 1 }] }, 'indicators.0.value'],
    [{ tenantIds: [TENANT], indicators: [{}] }, 'indicators.0.value'],
    [{ tenantIds: [TENANT], indicators: [{ value: 'a', type: 'ipv6' }] }, 'indicators.0.type'],
    [{ tenantIds: [TENANT], indicators: [{ value: 'a', ttlSeconds: 0 }] }, 'indicators.0.ttlSeconds'],
    [{ tenantIds: [TENANT], indicators: [{ value: 'a', ttlSeconds: 1.5 }] }, 'indicators.0.ttlSeconds'],
    [{ tenantIds: [TENANT], indicators: [{ value: 'a', ttlSeconds: '60' }] }, 'indicators.0.ttlSeconds'],
    [{ tenantIds: [TENANT], indicators: [{ value: 'a', ttlSeconds: 4e7 }] }, 'indicators.0.ttlSeconds'],
    [
      { tenantIds: [TENANT], indicators: [{ value: 'a', description: 'x'.repeat(501) }] },
      'indicators.0.description',
    ],
    [{ tenantIds: [TENANT], indicators: [{ value: 'a', note: 'x' }] }, 'indicators.0.note'],
    [{ tenantIds: [TENANT], severity: 'urgent', indicators: [{ value: 'a' }] }, 'severity'],
    [{ tenantIds: [TENANT], dryRun: 'yes', indicators: [{ value: 'a' }] }, 'dryRun'],
    [{ tenantIds: [TENANT], description: 'a\u0000b', indicators: [{ value: 'a' }] }, 'description'],
    [{ tenantIds: [TENANT], description: 'x'.repeat(1001), indicators: [{ value: 'a' }] }, 'description'],
    [{ tenantIds: [TENANT], indicators: [{ value: 'a' }], extra: true }, 'extra'],
  ])('refuses %j naming %s', (body, field) => {
    const error = failure(body);
    expect(error.kind).toBe(ErrorKind.BAD_INPUT);
    expect(error.details).toMatchObject({ field });
  });

  it('answers more than 100,000 indicators with 413 before reading them', () => {
    const indicators = Array.from({ length: 100_001 }, () => ({ value: 1 }));
    const error = failure({ tenantIds: [TENANT], indicators });
    expect(error.kind).toBe(ErrorKind.PAYLOAD_TOO_LARGE);
    expect(error.code).toBe('TOO_MANY_INDICATORS');
  });

  it('lists the first problems of a body full of them, and how many more', () => {
    const indicators = Array.from({ length: 500 }, () => ({ value: 7 }));
    const error = failure({ tenantIds: [TENANT], indicators });
    expect(error.details).toMatchObject({ moreProblems: 480 });
    expect((error.details as { problems: unknown[] }).problems).toHaveLength(20);
  });
});

describe('parseNormalizeRequest', () => {
  it('takes a list of strings', () => {
    expect(parseNormalizeRequest({ values: ['a.com'] })).toEqual({ values: ['a.com'] });
  });

  it.each([{}, { values: [] }, { values: [1] }, { values: 'a' }, { values: ['a'], x: 1 }])(
    'refuses %j',
    (body) => {
      expect(() => parseNormalizeRequest(body)).toThrow(/Invalid normalize request/);
    },
  );
});
