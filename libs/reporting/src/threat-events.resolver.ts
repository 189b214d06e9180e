import { Args, Query, Resolver } from '@nestjs/graphql';
import { CurrentApiKey, Roles, type ApiKeyPrincipal } from '@threatline/auth';
import { Connection } from '@threatline/graphql-kit';
import { ThreatEventsArgs, ThreatEventSummaryArgs } from './dtos/threat-events.args';
import { EVENT_READERS } from './event-readers';
import { ThreatEventConnection, ThreatEventModel } from './models/threat-event.model';
import { ThreatEventSummaryModel } from './models/threat-event-summary.model';
import { ThreatEventsService } from './query/threat-events.service';

@Resolver()
export class ThreatEventsResolver {
  constructor(private readonly events: ThreatEventsService) {}

  @Query(() => ThreatEventConnection, {
    description: 'Active threat response events, newest first (the central Log viewer).',
  })
  @Roles(...EVENT_READERS)
  threatEvents(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @Args() args: ThreatEventsArgs,
  ): Promise<Connection<ThreatEventModel>> {
    const { filter, first, after } = args;
    return this.events.list(caller, filter ?? {}, { first, after });
  }

  @Query(() => ThreatEventSummaryModel, {
    description:
      'Counts of threat events in a time range: by indicator, firewall, action and source, and over time.',
  })
  @Roles(...EVENT_READERS)
  threatEventSummary(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @Args() args: ThreatEventSummaryArgs,
  ): Promise<ThreatEventSummaryModel> {
    return this.events.summary(caller, args);
  }
}
