import { describe, expect, it } from 'vitest';
import { queryLimitsPlugin } from './query-limits.plugin';

const typeDefs = /* GraphQL */ `
  type Query {
    node: Node
    nodes(first: Int, after: String): [Node!]!
    expensive: Int
  }
  type Node {
    id: ID!
    child: Node
    children(first: Int): [Node!]!
  }
`;

const node = (): Record<string, unknown> => ({ id: '1', child: null, children: [] });
const resolvers = { Query: { node, nodes: () => [node()], expensive: () => 1 } };

async function run(query: string, variables: Record<string, unknown> = {}) {
  // The ESM build, as Nest's driver loads it (and as the plugin's types expect).
  const { ApolloServer } = await import('@apollo/server');
  const server = new ApolloServer({
    typeDefs,
    resolvers,
    plugins: [queryLimitsPlugin({ maxDepth: 4, maxCost: 200, maxPageSize: 10 })],
  });
  const response = await server.executeOperation({ query, variables });
  await server.stop();
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return { status: response.http.status ?? 200, ...response.body.singleResult };
}

describe('queryLimitsPlugin', () => {
  it('lets an operation within every limit through', async () => {
    const result = await run('{ nodes(first: 10) { id child { id } } }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ nodes: [{ id: '1', child: null }] });
  });

  it('refuses an operation deeper than the limit with QUERY_TOO_DEEP', async () => {
    const result = await run('{ node { child { child { child { child { id } } } } } }');
    expect(result.status).toBe(400);
    expect(result.data).toBeUndefined();
    expect(result.errors).toEqual([
      expect.objectContaining({
        message: 'The operation nests 6 levels of fields; the limit is 4.',
        extensions: expect.objectContaining({ code: 'QUERY_TOO_DEEP', kind: 'BAD_INPUT' }),
      }),
    ]);
  });

  it('refuses a page larger than the maximum, literal or variable, with INVALID_PAGE_SIZE', async () => {
    const literal = await run('{ nodes(first: 11) { id } }');
    expect(literal.status).toBe(400);
    expect(literal.errors?.[0]).toMatchObject({
      message: '`first` on Query.nodes must be between 1 and 10.',
      extensions: {
        code: 'INVALID_PAGE_SIZE',
        details: { field: 'Query.nodes', first: 11, maxPageSize: 10 },
      },
    });
    const variable = await run('query($n: Int) { node { children(first: $n) { id } } }', { n: -1 });
    expect(variable.errors?.[0]?.extensions).toMatchObject({
      code: 'INVALID_PAGE_SIZE',
      details: { field: 'Node.children', first: -1 },
    });
  });

  it('multiplies the cost of list children by `first` and refuses over the limit with QUERY_TOO_COMPLEX', async () => {
    // nodes: 1 + 10 * (id 1 + child 2 + children (1 + 10 * 1)) = 141: within 200.
    expect(
      (await run('{ nodes(first: 10) { id child { id } children(first: 10) { id } } }')).errors,
    ).toBeUndefined();
    // Without `first`, a list is priced at the largest page: 1 + 10 * (1 + (1 + 10 * (1 + 2))) = 321.
    const result = await run('{ nodes { id children { id child { id } } } }');
    expect(result.status).toBe(400);
    expect(result.errors?.[0]).toMatchObject({
      message: 'The operation costs 321; the limit is 200. Ask for fewer items or fields.',
      extensions: { code: 'QUERY_TOO_COMPLEX', details: { cost: 321, maxCost: 200 } },
    });
  });

  it('counts aliased copies of a field, so aliases cannot multiply work for free', async () => {
    const aliases = Array.from({ length: 201 }, (_, i) => `e${i}: expensive`).join(' ');
    expect((await run(`{ ${aliases} }`)).errors?.[0]?.extensions?.['code']).toBe('QUERY_TOO_COMPLEX');
  });
});
