export * from './enrollment.module';
export * from './enrollment.exception';
export * from './models/enrollment-token.model';
export * from './models/enrollment.response';
export * from './models/agent-self.response';
