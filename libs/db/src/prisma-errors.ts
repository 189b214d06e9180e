import { Prisma } from './generated/prisma/client';

/** A unique constraint (or unique index) refused the write: the caller's conflict, not a server error. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/** A foreign key refused the write (the referenced row is gone or still referenced). */
export function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003';
}
