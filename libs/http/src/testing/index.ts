export { TEST_REDIS_URL } from '@threatline/messaging/testing';
export * from './test-api';
export * from './test-environment';
