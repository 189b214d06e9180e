import { describe, expect, it } from 'vitest';
import { getOperationAST, parse } from 'graphql';
import { operationDepth } from './operation-depth';

function depthOf(source: string): number {
  const document = parse(source);
  return operationDepth(document, getOperationAST(document)!);
}

describe('operationDepth', () => {
  it('counts levels of nested fields', () => {
    expect(depthOf('{ a }')).toBe(1);
    expect(depthOf('{ a { b { c } } d }')).toBe(3);
    expect(depthOf('{ firewalls { edges { node { id } } pageInfo { endCursor } } }')).toBe(4);
  });

  it('counts fragments and inline fragments where they are spread', () => {
    expect(depthOf('query { a { ...F } } fragment F on T { b { c } }')).toBe(3);
    expect(depthOf('{ a { ... on T { b { c { d } } } } }')).toBe(4);
    expect(depthOf('query { a { ...F } } fragment F on T { b { ...G } } fragment G on T { c { d } }')).toBe(
      4,
    );
  });

  it('ignores introspection and __typename fields', () => {
    expect(depthOf('{ __schema { types { fields { type { ofType { ofType { name } } } } } } a }')).toBe(1);
    expect(depthOf('{ a { __typename } }')).toBe(1);
  });

  it('measures the operation asked for, not the deepest in the document', () => {
    const document = parse('query Shallow { a } query Deep { a { b { c } } }');
    expect(operationDepth(document, getOperationAST(document, 'Shallow')!)).toBe(1);
    expect(operationDepth(document, getOperationAST(document, 'Deep')!)).toBe(3);
  });

  it('stays linear when one fragment is spread many times', () => {
    const spreads = Array.from({ length: 2000 }, (_, i) => `x${i}: a { ...F }`).join(' ');
    const started = performance.now();
    expect(depthOf(`query { ${spreads} } fragment F on T { b { c { d } } }`)).toBe(4);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('does not loop on a fragment cycle (validation refuses it, this must still end)', () => {
    expect(depthOf('query { a { ...F } } fragment F on T { b { ...F } }')).toBe(2);
  });
});
