import { Module } from '@nestjs/common';
import { FleetModule } from '@threatline/fleet';
import { ExclusionsRepository } from './exclusions.repository';
import { ExclusionsResolver } from './exclusions.resolver';
import { ExclusionsService } from './exclusions.service';

@Module({
  imports: [FleetModule],
  providers: [ExclusionsRepository, ExclusionsService, ExclusionsResolver],
  exports: [ExclusionsService],
})
export class ExclusionsModule {}
