export * from './tenancy.module';
export * from './tenancy.service';
