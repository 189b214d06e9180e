import fc from 'fast-check';

/** Any UTF-16 code units, unpaired surrogates included: what a lenient decoder makes of arbitrary bytes. */
export const anyUtf16String = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  maxLength: 40,
});

const lowerWord = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'),
  minLength: 1,
  maxLength: 12,
});

/** Labels as they occur in feeds and traffic: mostly plain, sometimes upper case, IDN, punycode or odd. */
export const hostLabel = fc.oneof(
  { weight: 8, arbitrary: lowerWord },
  { weight: 1, arbitrary: lowerWord.map((word) => word.toUpperCase()) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'bücher',
      'пример',
      'pаypal',
      '例え',
      'straße',
      'ｅｘａｍｐｌｅ',
      'xn--e1afmkfd',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('xn--zz', '1', '0x7f', '255', '-a-', 'a'.repeat(64), '%41', 'a b', '*'),
  },
);

export const domainLike = fc
  .tuple(fc.array(hostLabel, { minLength: 1, maxLength: 5 }), fc.constantFrom('', '', '', '.', '..'))
  .map(([labels, end]) => labels.join('.') + end);

export const ipv4Like = fc.oneof(
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.')),
  fc.nat(0xffffffff).map(String),
  fc.constantFrom('127.1', '0x7f.1', '010.0.0.1', '1.2.3', '1.2.3.256', '1.2.3.4.5', '09.1.1.1', '1.2.3.4.'),
);

export const cidrLike = fc
  .tuple(ipv4Like, fc.integer({ min: 0, max: 40 }))
  .map(([address, prefix]) => `${address}/${prefix}`);

const pathPiece = fc.oneof(
  { weight: 10, arbitrary: lowerWord },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      '.',
      '..',
      'x.php',
      '.hidden',
      '%2e',
      '%2F',
      '%25',
      '%2525',
      '%41',
      '%zz',
      '%',
      'é',
      ' ',
      '~',
      ';',
      '@',
      ':',
      '"',
      '<',
      '\\',
      '%00',
      '%E2%80%8B',
      '?',
      'A',
    ),
  },
);

const queryPiece = fc.oneof(
  { weight: 6, arbitrary: lowerWord },
  { weight: 2, arbitrary: fc.constantFrom('a=1', '&', '=', '/', '//', '?', '%3F', '%23', ' ', 'ü', '#frag') },
);

/** Mostly clean URLs (the fast path's diet) with a steady share of everything the full algorithm handles. */
export const urlLike = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('http://', 'https://', '') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('HTTP://', 'ftp://', '//', 'javascript:', ' http://', 'http:/'),
      },
    ),
    fc.oneof(
      { weight: 9, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constantFrom('user@', 'u:p@') },
    ),
    fc.oneof({ weight: 4, arbitrary: domainLike }, { weight: 1, arbitrary: ipv4Like }),
    fc.oneof(
      { weight: 9, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constantFrom(':80', ':8080', ':') },
    ),
    fc.array(pathPiece, { maxLength: 5 }),
    fc.option(
      fc.array(queryPiece, { maxLength: 4 }).map((pieces) => pieces.join('')),
      { freq: 4 },
    ),
  )
  .map(([scheme, userinfo, host, port, path, query]) => {
    const pathText = path.length === 0 ? '' : '/' + path.join('/');
    return scheme + userinfo + host + port + pathText + (query === null ? '' : '?' + query);
  });

/** Lines an analyst could paste: every indicator shape, and text that is none of them. */
export const indicatorLike = fc.oneof(
  domainLike,
  ipv4Like,
  cidrLike,
  urlLike,
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

/** URLs as most traffic writes them: lowercase host, plain path, plain query. */
export const cleanUrlLike = fc
  .tuple(
    fc.constantFrom('http://', 'https://', ''),
    fc.array(lowerWord, { minLength: 1, maxLength: 4 }),
    fc.array(fc.oneof(lowerWord, fc.constantFrom('x.php', 'a.b', '~u', ';p', '@', ':', '-')), {
      maxLength: 4,
    }),
    fc.option(lowerWord.map((word) => `id=${word}&b=/x?`)),
  )
  .map(([scheme, labels, path, query]) => {
    const pathText = path.length === 0 ? '' : '/' + path.join('/');
    return scheme + labels.join('.') + pathText + (query === null ? '' : '?' + query);
  });
