export { routePatternOf, UNMATCHED_ROUTE } from './http-metrics.middleware';
export * from './metrics';
export * from './observability.module';
export * from './request-context';
export * from './request-id';
