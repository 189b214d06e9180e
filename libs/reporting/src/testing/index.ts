export * from './reporting-context';
export * from './threat-events';
export * from './principals';
