export * from './redis-keys';
