export * from './metrics';
export * from './observability.module';
export * from './request-context';
export * from './request-id';
