import { DynamicModule, Module } from '@nestjs/common';
import { DemoSeedRepository } from './demo-seed.repository';
import { DEMO_SEED_OPTIONS, DemoSeedOptions, DemoSeeder } from './demo-seeder';

@Module({})
export class DemoSeedModule {
  static forRoot(options: DemoSeedOptions): DynamicModule {
    return {
      module: DemoSeedModule,
      providers: [{ provide: DEMO_SEED_OPTIONS, useValue: options }, DemoSeedRepository, DemoSeeder],
      exports: [DemoSeeder],
    };
  }
}
