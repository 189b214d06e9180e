export * from './connection';
export * from './cursor';
export * from './input';
