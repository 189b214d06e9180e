export * from './auth.module';
export * from './decorators';
export * from './principal';
export * from './secrets';
export * from './firewall-credential.guard';
export * from './firewall-credential.verifier';
export { bearerTokenOf, requestIdOf } from './request-of';
export * from './roles';
