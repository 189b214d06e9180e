import { Type } from '@nestjs/common';
import { ArgsType, Field, Int, ObjectType } from '@nestjs/graphql';

export const DEFAULT_PAGE_SIZE = 20;

@ObjectType({ description: 'Where a page ends and whether more follow.' })
export class PageInfo {
  @Field({ description: 'True when another page follows this one.' })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to read the next page.' })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, {
    nullable: true,
    description: `Page size (default ${DEFAULT_PAGE_SIZE}; at most MAX_PAGE_SIZE, 100 unless configured).`,
  })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The `endCursor` of the previous page.' })
  after?: string | null;
}

export interface Edge<T> {
  node: T;
  cursor: string;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** A `XConnection` GraphQL type for node type `X` (Relay-style). */
export function Paginated<T>(nodeType: Type<T>): Type<Connection<T>> {
  // The GraphQL name of the node type (`Firewall` for class FirewallModel).
  const name = nodeType.name.replace(/Model$/, '');
  @ObjectType(`${name}Edge`, { description: `A ${name} and its cursor.` })
  class EdgeType {
    @Field(() => nodeType, { description: 'The item.' })
    node!: T;

    @Field({ description: 'Opaque position of this item.' })
    cursor!: string;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items.` })
  class ConnectionType {
    @Field(() => [EdgeType], { description: 'The items of this page.' })
    edges!: EdgeType[];

    @Field(() => PageInfo, { description: 'Whether more items follow.' })
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}

/**
 * The page size asked for. The GraphQL edge has already refused sizes outside 1..MAX_PAGE_SIZE
 * (before any resolver runs), so only the default is applied here.
 */
export function pageSizeOf(args: PageArgs): number {
  return args.first ?? DEFAULT_PAGE_SIZE;
}

/** Builds a page from `size + 1` rows fetched in cursor order. */
export function toConnection<R, T>(
  rows: R[],
  size: number,
  toNode: (row: R) => T,
  cursorOf: (row: R) => string,
): Connection<T> {
  const page = rows.slice(0, size);
  const edges = page.map((row) => ({ node: toNode(row), cursor: cursorOf(row) }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
