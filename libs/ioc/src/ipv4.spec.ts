import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpv4, parseIpv4 } from './ipv4';
import { parseIpv4Indicator } from './ipv4-indicator';
import { parseLooseIpv4 } from './ipv4-loose';
import { Rejection } from './rejection';

describe('parseIpv4 (strict)', () => {
  it.each([
    ['0.0.0.0', 0],
    ['1.2.3.4', 0x01020304],
    ['192.0.2.1', 0xc0000201],
    ['255.255.255.255', 0xffffffff],
    ['10.0.0.10', 0x0a00000a],
  ])('parses %j', (text, value) => {
    expect(parseIpv4(text)).toBe(value);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.256',
    '01.2.3.4',
    '1.2.3.00',
    '0x1.2.3.4',
    '127.1',
    '3279880203',
    '1.2.3.4.',
    '.1.2.3.4',
    '1..2.3',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1.2.3.-4',
    '1.2.3.+4',
    '１.2.3.4',
    '1.2.3.4/32',
    '1000.2.3.4',
  ])('rejects %j', (text) => {
    expect(parseIpv4(text)).toBeNull();
  });

  it('round-trips every address through formatIpv4 (property)', () => {
    fc.assert(fc.property(fc.nat(0xffffffff), (value) => parseIpv4(formatIpv4(value)) === value));
  });

  it('accepts exactly what a plain reference accepts (property)', () => {
    const part = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
    const reference = new RegExp(`^${part}\\.${part}\\.${part}\\.${part}$`);
    const text = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'0123456789.x'), maxLength: 16 }),
      fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((parts) => parts.join('.')),
    );
    fc.assert(
      fc.property(text, (candidate) => (parseIpv4(candidate) !== null) === reference.test(candidate)),
    );
  });
});

describe('parseLooseIpv4 (every spelling a resolver accepts)', () => {
  it.each([
    ['127.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['010.0.0.1', '8.0.0.1'],
    ['3279880203', '195.127.0.11'],
    ['0xc37f000b', '195.127.0.11'],
    ['1.2.3', '1.2.0.3'],
    ['12.0x12.01234', '12.18.2.156'],
    ['0x12.0x43.0x44.0x01', '18.67.68.1'],
    ['4294967295', '255.255.255.255'],
    ['0x', '0.0.0.0'],
  ])('reads %j as %s', (text, address) => {
    expect(formatIpv4(parseLooseIpv4(text)?.value ?? -1)).toBe(address);
  });

  // Only the last part may span several bytes: "276.2.3" is no address (inet_aton and browsers agree).
  it.each([
    '123.123.0.0.1',
    '1.2.3.00x0',
    '4294967296',
    '08.1.1.1',
    '1..2',
    '',
    'a.b.c.d',
    '1.2.3.256',
    '276.2.3',
  ])('rejects %j', (text) => {
    expect(parseLooseIpv4(text)).toBeNull();
  });
});

describe('IPv4 indicators explain a loose spelling', () => {
  function rejection(text: string): Rejection {
    const result = parseIpv4Indicator(text);
    if (typeof result === 'number') throw new Error(`${text} accepted`);
    return result;
  }

  it.each([
    ['127.1', '127.0.0.1', /2 parts/],
    ['0x7f.1', '127.0.0.1', /hexadecimal/],
    ['010.0.0.1', '8.0.0.1', /octal.*10\.0\.0\.1/],
    ['3279880203', '195.127.0.11', /single 32-bit number/],
    ['1.2.3', '1.2.0.3', /3 parts/],
    ['1.2.3.4.', '1.2.3.4', /ends with a dot/],
  ])('%j -> did you mean %s?', (text, meaning, reason) => {
    const result = rejection(text);
    expect(result.code).toBe('IPV4_NON_CANONICAL');
    expect(result.suggestion).toBe(meaning);
    expect(result.message).toContain(`did you mean ${meaning}?`);
    expect(result.message).toMatch(reason);
  });

  it.each([
    ['1.2.3.256', /256 is above 255/, undefined],
    ['1.2.3.4.5', /5 parts/, undefined],
    ['1..3.4', /empty part/, undefined],
    ['1.2.3.x', /'x' is not allowed|not an IPv4/, undefined],
    ['1.2.3.4/8', /'\/' is not allowed/, undefined],
    ['09.1.1.1', /octal.*8 or 9/, '9.1.1.1'],
  ])('%j is not an address', (text, reason, suggestion) => {
    const result = rejection(text);
    expect(result.code).toBe('IPV4_INVALID');
    expect(result.message).toMatch(reason);
    expect(result.suggestion).toBe(suggestion);
  });
});
