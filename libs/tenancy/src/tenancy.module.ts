import { Module } from '@nestjs/common';
import { TenancyRepository } from './tenancy.repository';
import { TenancyResolver } from './tenancy.resolver';
import { TenancyService } from './tenancy.service';

@Module({ providers: [TenancyRepository, TenancyService, TenancyResolver], exports: [TenancyService] })
export class TenancyModule {}
