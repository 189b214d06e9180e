import { Controller, Get, UseGuards } from '@nestjs/common';
import { CurrentFirewall, FirewallCredentialGuard, type FirewallPrincipal, Public } from '@threatline/auth';
import { FleetService } from '@threatline/fleet';
import { AgentSelfResponse, toAgentSelfResponse } from './models/agent-self.response';

/** Lets an agent check its credential: it answers until the firewall is deregistered, then 401. */
@Controller('api/v1/agent')
export class AgentSelfController {
  constructor(private readonly fleet: FleetService) {}

  @Get('self')
  @Public()
  @UseGuards(FirewallCredentialGuard)
  async self(@CurrentFirewall() firewall: FirewallPrincipal): Promise<AgentSelfResponse> {
    return toAgentSelfResponse(
      firewall.tenantId,
      await this.fleet.getFirewall(firewall.tenantId, firewall.firewallId),
    );
  }
}
