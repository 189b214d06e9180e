export * from './error-kind';
export * from './domain.exception';
export * from './error-body';
