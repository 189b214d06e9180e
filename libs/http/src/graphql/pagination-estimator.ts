import { ComplexityEstimator } from 'graphql-query-complexity';

export interface PageSizeViolation {
  /** `Type.field` that was asked for too many items. */
  field: string;
  first: unknown;
}

/**
 * Cost of a paginated field (one with a `first` argument): its children cost once per item
 * asked for, and a field without `first` is priced at the largest page. Records every
 * `first` outside 1..maxPageSize in `violations`. Fields with their own `complexity`
 * extension are left to that estimator.
 */
export function paginationEstimator(
  maxPageSize: number,
  violations: PageSizeViolation[],
): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    if (!field.args.some((arg) => arg.name === 'first')) return undefined;
    const first: unknown = args['first'];
    const valid = first === undefined || first === null || isPageSize(first, maxPageSize);
    if (!valid) violations.push({ field: `${type.name}.${field.name}`, first });
    if (field.extensions['complexity'] !== undefined) return undefined;
    const items = valid && typeof first === 'number' ? first : maxPageSize;
    return 1 + childComplexity * items;
  };
}

function isPageSize(value: unknown, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;
}
