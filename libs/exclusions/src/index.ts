export * from './exclusions.module';
export * from './exclusions.service';
export * from './exclusions.exception';
export * from './models/threat-exclusion.model';
