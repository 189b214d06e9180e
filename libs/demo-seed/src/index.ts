export * from './demo-credentials';
export * from './demo-seed.module';
export * from './demo-seeder';
