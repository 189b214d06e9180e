import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { Args, Context, Field, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { Public } from '@threatline/auth';
import { DomainException, ErrorKind, NotFoundException } from '@threatline/errors';
import { RequestContext } from '@threatline/observability';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphqlContext } from './graphql/graphql-options';
import { createTestApi, TestApi } from './testing';

// A test-only slice of API: enough GraphQL and REST to drive every path of the edge.

@ObjectType({ description: 'A node of a test tree.' })
class Node {
  @Field({ description: 'Its depth.' })
  level!: number;

  @Field(() => Node, { description: 'One level deeper.' })
  child!: Node;

  @Field(() => [Node], { description: 'A page of children.' })
  children!: Node[];
}

const nodeAt = (level: number): Node => ({
  level,
  get child() {
    return nodeAt(level + 1);
  },
  children: [],
});

@Public()
@Resolver()
class ProbeResolver {
  constructor(private readonly requestContext: RequestContext) {}

  @Query(() => String, { description: 'The request id, as the context and the request see it.' })
  requestIds(@Context() context: GraphqlContext): string {
    return `${this.requestContext.requestId()} ${context.req.id as string}`;
  }

  @Query(() => String, { nullable: true, description: 'Always fails with a domain error.' })
  missing(): string {
    throw new NotFoundException('Firewall', 'fw-1');
  }

  @Query(() => String, { nullable: true, description: 'Always fails with an unknown error.' })
  broken(): string {
    throw new Error('connection to 10.0.0.5:5432 refused');
  }

  @Query(() => Node, { description: 'The root of the test tree.' })
  tree(): Node {
    return nodeAt(0);
  }

  @Query(() => [Node], { description: 'A page of nodes.' })
  nodes(
    @Args('first', { type: () => Int, nullable: true, description: 'Page size.' }) first?: number,
  ): Node[] {
    return Array.from({ length: first ?? 1 }, (_, level) => nodeAt(level));
  }
}

@Public()
@Controller('probe')
class ProbeController {
  @Post('echo')
  echo(@Body() body: unknown): unknown {
    return body;
  }

  @Get('conflict')
  conflict(): never {
    throw new DomainException(ErrorKind.CONFLICT, 'PROBE_TAKEN', 'The probe is taken.', { probe: 1 });
  }

  @Get('broken')
  broken(): never {
    throw new Error('disk /var/lib/secret is full');
  }
}

@Module({ providers: [ProbeResolver], controllers: [ProbeController] })
class ProbeModule {}

describe('the API edge', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await createTestApi({
      imports: [ProbeModule],
      env: { GRAPHQL_MAX_DEPTH: '5', GRAPHQL_MAX_COST: '500', MAX_PAGE_SIZE: '20', HTTP_BODY_LIMIT: '2kb' },
    });
  });

  afterAll(async () => {
    await api?.close();
  });

  describe('health', () => {
    it('answers /healthz while the process is up', async () => {
      const response = await api.http.get('/healthz').expect(200);
      expect(response.body).toEqual({ status: 'ok' });
    });

    it('answers /readyz when the database and the bus answer', async () => {
      const response = await api.http.get('/readyz').expect(200);
      expect(response.body).toEqual({ status: 'ready', checks: { database: 'up', messaging: 'up' } });
    });
  });

  describe('request ids', () => {
    it('echoes a valid incoming x-request-id and gives it to the request context', async () => {
      const response = await api.http
        .post('/graphql')
        .set('x-request-id', 'lb-abc-123')
        .send({ query: '{ requestIds }' })
        .expect(200);
      expect(response.headers['x-request-id']).toBe('lb-abc-123');
      expect(response.body).toEqual({ data: { requestIds: 'lb-abc-123 lb-abc-123' } });
    });

    it('generates one when the caller sends none or an invalid one', async () => {
      const response = await api.http
        .post('/graphql')
        .set('x-request-id', 'bad id')
        .send({ query: '{ requestIds }' });
      const id = response.headers['x-request-id'] as string;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.body.data.requestIds).toBe(`${id} ${id}`);
      expect((await api.http.get('/healthz')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('GraphQL errors', () => {
    it('maps a domain exception to its code, kind and details', async () => {
      const result = await api.graphql('{ missing }');
      expect(result.errors).toEqual([
        {
          message: 'Firewall fw-1 was not found.',
          path: ['missing'],
          locations: [{ line: 1, column: 3 }],
          extensions: { code: 'FIREWALL_NOT_FOUND', kind: 'NOT_FOUND', details: { id: 'fw-1' } },
        },
      ]);
    });

    it('answers an unknown error as INTERNAL with no message, stack or internals', async () => {
      const result = await api.graphql('{ broken }');
      expect(result.data).toEqual({ broken: null });
      expect(result.errors).toEqual([
        {
          message: 'An internal error occurred; it has been logged.',
          path: ['broken'],
          locations: [{ line: 1, column: 3 }],
          extensions: { code: 'INTERNAL', kind: 'INTERNAL' },
        },
      ]);
    });

    it('refuses an invalid operation with the validation code', async () => {
      const result = await api.graphql('{ nope }');
      expect(result.status).toBe(400);
      expect(result.errors?.[0]?.extensions).toEqual({
        code: 'GRAPHQL_VALIDATION_FAILED',
        kind: 'BAD_INPUT',
      });
    });

    it('refuses an operation deeper than GRAPHQL_MAX_DEPTH', async () => {
      expect((await api.graphql('{ tree { child { child { child { level } } } } }')).errors).toBeUndefined();
      const result = await api.graphql('{ tree { child { child { child { child { level } } } } } }');
      expect(result.status).toBe(400);
      expect(result.errors?.[0]).toMatchObject({
        message: 'The operation nests 6 levels of fields; the limit is 5.',
        extensions: { code: 'QUERY_TOO_DEEP', kind: 'BAD_INPUT', details: { depth: 6, maxDepth: 5 } },
      });
    });

    it('refuses a page larger than MAX_PAGE_SIZE', async () => {
      const result = await api.graphql('query($n: Int) { nodes(first: $n) { level } }', { n: 21 });
      expect(result.status).toBe(400);
      expect(result.errors?.[0]).toMatchObject({
        message: '`first` on Query.nodes must be between 1 and 20.',
        extensions: { code: 'INVALID_PAGE_SIZE', kind: 'BAD_INPUT' },
      });
      const page = await api.graphql<{ nodes: unknown[] }>('{ nodes(first: 20) { level } }');
      expect(page.data?.nodes).toHaveLength(20);
    });

    it('refuses an operation costing more than GRAPHQL_MAX_COST', async () => {
      // Each `nodes(first: 20) { level }` costs 1 + 20 * 1 = 21: 23 of them 483, 24 of them 504.
      const copies = (n: number) =>
        `{ ${Array.from({ length: n }, (_, i) => `n${i}: nodes(first: 20) { level }`).join(' ')} }`;
      expect((await api.graphql(copies(23))).errors).toBeUndefined();
      const result = await api.graphql(copies(24));
      expect(result.status).toBe(400);
      expect(result.errors?.[0]).toMatchObject({
        message: 'The operation costs 504; the limit is 500. Ask for fewer items or fields.',
        extensions: { code: 'QUERY_TOO_COMPLEX', kind: 'BAD_INPUT', details: { cost: 504, maxCost: 500 } },
      });
    });

    it('serves introspection outside production', async () => {
      const result = await api.graphql<{ __schema: { queryType: { name: string } } }>(
        '{ __schema { queryType { name } } }',
      );
      expect(result.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    });
  });

  describe('REST errors', () => {
    it('answers an unknown route with 404 ROUTE_NOT_FOUND', async () => {
      const response = await api.http.get('/api/v1/nope?x=1').expect(404);
      expect(response.body).toEqual({
        error: { code: 'ROUTE_NOT_FOUND', message: 'No route for GET /api/v1/nope.' },
      });
    });

    it('answers a body that is not JSON with 400 MALFORMED_JSON', async () => {
      const response = await api.http
        .post('/probe/echo')
        .set('content-type', 'application/json')
        .send('{"token": ')
        .expect(400);
      expect(response.body.error).toMatchObject({
        code: 'MALFORMED_JSON',
        message: 'The request body is not valid JSON.',
      });
    });

    it('answers a body over HTTP_BODY_LIMIT with 413', async () => {
      await api.http
        .post('/probe/echo')
        .send({ pad: 'x'.repeat(1500) })
        .expect(201);
      const response = await api.http
        .post('/probe/echo')
        .send({ pad: 'x'.repeat(3000) })
        .expect(413);
      expect(response.body).toEqual({
        error: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than 2kb.' },
      });
    });

    it('answers a domain exception with the status of its kind', async () => {
      const response = await api.http.get('/probe/conflict').expect(409);
      expect(response.body).toEqual({
        error: { code: 'PROBE_TAKEN', message: 'The probe is taken.', details: { probe: 1 } },
      });
    });

    it('answers an unknown error with 500 INTERNAL and nothing of the error', async () => {
      const response = await api.http.get('/probe/broken').expect(500);
      expect(response.body).toEqual({
        error: { code: 'INTERNAL', message: 'An internal error occurred; it has been logged.' },
      });
    });
  });

  describe('metrics', () => {
    it('exposes request durations by route pattern and GraphQL operations by root field', async () => {
      await api.http.get('/healthz');
      await api.graphql('{ requestIds }');
      await api.graphql('{ missing }');
      await api.http.get('/no/such/route');
      const response = await api.http.get('/metrics').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = response.text;
      expect(text).toMatch(
        /http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} \d+/,
      );
      expect(text).toMatch(
        /http_request_duration_seconds_count\{method="POST",route="\/graphql",status="200"\} \d+/,
      );
      expect(text).toMatch(
        /http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} \d+/,
      );
      expect(text).toMatch(/graphql_operations_total\{type="query",field="requestIds",outcome="ok"\} \d+/);
      expect(text).toMatch(/graphql_operations_total\{type="query",field="missing",outcome="error"\} \d+/);
      expect(text).toMatch(/graphql_operations_total\{type="query",field="tree",outcome="rejected"\} \d+/);
      expect(text).toContain('process_cpu_user_seconds_total');
      expect(text).not.toContain('/no/such/route');
    });
  });

  describe('readiness when the database stops answering', () => {
    const admin = async (sql: string, params: unknown[] = []): Promise<void> => {
      const client = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
      await client.connect();
      try {
        await client.query(sql, params);
      } finally {
        await client.end();
      }
    };

    it('answers /readyz with 503 naming the database, and recovers with it', async () => {
      const database = new URL(api.config.databaseUrl!).pathname.slice(1);
      await admin(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
      try {
        await admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
        const response = await api.http.get('/readyz').expect(503);
        expect(response.body).toEqual({
          error: {
            code: 'NOT_READY',
            message: 'Not ready: database unreachable.',
            details: { checks: { database: 'down', messaging: 'up' } },
          },
        });
        await api.http.get('/healthz').expect(200);
      } finally {
        await admin(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
      }
      await api.http.get('/readyz').expect(200);
    });
  });
});

describe('the API edge in production', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await createTestApi({ imports: [ProbeModule], env: { NODE_ENV: 'production' } });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('refuses introspection and serves no GraphiQL page', async () => {
    const result = await api.graphql('{ __schema { queryType { name } } }');
    expect(result.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    const page = await api.http.get('/graphql').set('accept', 'text/html');
    expect(page.text).not.toMatch(/graphiql/i);
    expect((await api.graphql<{ requestIds: string }>('{ requestIds }')).data?.requestIds).toBeTruthy();
  });
});
