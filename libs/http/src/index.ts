export * from './api.module';
export * from './bootstrap';
export * from './create-app';
export * from './edge.module';
export * from './foundation.module';
export * from './graphql/graphql-options';
export * from './root-module';
export * from './garbage-collection';
