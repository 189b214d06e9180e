import { Module } from '@nestjs/common';
import { FleetRepository } from './fleet.repository';
import { FleetResolver } from './fleet.resolver';
import { FleetService } from './fleet.service';

@Module({ providers: [FleetRepository, FleetService, FleetResolver], exports: [FleetService] })
export class FleetModule {}
