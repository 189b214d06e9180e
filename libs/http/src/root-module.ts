import { DynamicModule } from '@nestjs/common';
import { AppConfig } from '@threatline/config';

/** The root module of a process, built from the configuration parsed once at boot. */
export interface RootModule {
  forRoot(config: AppConfig): DynamicModule;
}
