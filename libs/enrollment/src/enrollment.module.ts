import { Module } from '@nestjs/common';
import { FleetModule } from '@threatline/fleet';
import { AgentSelfController } from './agent-self.controller';
import { EnrollmentTokenResolver } from './enrollment-token.resolver';
import { EnrollmentTokenService } from './enrollment-token.service';
import { EnrollmentController } from './enrollment.controller';
import { EnrollmentRepository } from './enrollment.repository';
import { EnrollmentService } from './enrollment.service';

/** Enrollment tokens (GraphQL), firewall enrollment and the agent's self check (REST). */
@Module({
  imports: [FleetModule],
  providers: [EnrollmentRepository, EnrollmentTokenService, EnrollmentService, EnrollmentTokenResolver],
  controllers: [EnrollmentController, AgentSelfController],
})
export class EnrollmentModule {}
