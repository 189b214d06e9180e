import { describe, expect, it } from 'vitest';
import { formatCidr, parseCidr } from './cidr';
import { isRejection } from './rejection';

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['192.168.1.0/24', '192.168.1.0/24'],
    ['1.2.3.4/32', '1.2.3.4/32'],
    ['1.2.3.4/31', '1.2.3.4/31'],
    ['172.16.0.0/12', '172.16.0.0/12'],
    ['0.0.0.0/8', '0.0.0.0/8'],
  ])('parses %j', (text, expected) => {
    const network = parseCidr(text);
    if (isRejection(network)) throw new Error(network.message);
    expect(formatCidr(network)).toBe(expected);
  });

  it.each([
    ['10.1.2.3/8', 'CIDR_HOST_BITS_SET', '10.0.0.0/8'],
    ['192.168.1.1/24', 'CIDR_HOST_BITS_SET', '192.168.1.0/24'],
    ['1.2.3.5/31', 'CIDR_HOST_BITS_SET', '1.2.3.4/31'],
    ['10.0.0.0/33', 'CIDR_PREFIX_OUT_OF_RANGE', undefined],
    ['10.0.0.0/100', 'CIDR_PREFIX_OUT_OF_RANGE', undefined],
    ['0.0.0.0/0', 'CIDR_TOO_BROAD', undefined],
    ['8.0.0.0/7', 'CIDR_TOO_BROAD', undefined],
    ['64.0.0.0/2', 'CIDR_TOO_BROAD', undefined],
    ['10.0.0.0/08', 'CIDR_INVALID', '10.0.0.0/8'],
    ['10.0.0.0/', 'CIDR_INVALID', undefined],
    ['10.0.0.0/-8', 'CIDR_INVALID', undefined],
    ['10.0.0.0/8/8', 'CIDR_INVALID', undefined],
    ['10.0.0.0', 'CIDR_INVALID', undefined],
    ['10.0/8', 'CIDR_INVALID', '10.0.0.0/8'],
    ['010.0.0.0/8', 'CIDR_INVALID', '8.0.0.0/8'],
    ['10.0.0.256/24', 'CIDR_INVALID', undefined],
  ])('rejects %j with %s', (text, code, suggestion) => {
    const network = parseCidr(text);
    if (!isRejection(network)) throw new Error(`${text} accepted`);
    expect(network.code).toBe(code);
    expect(network.suggestion).toBe(suggestion);
  });

  it('explains a host-bits rejection with the network that holds the address', () => {
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ message: expect.stringContaining('is 10.0.0.0/8') });
  });
});
