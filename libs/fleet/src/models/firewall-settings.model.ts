import { Field, ObjectType } from '@nestjs/graphql';
import { ThreatFeedAction } from './enums';

@ObjectType('ThreatFeedModuleSettings', {
  description: 'One Active threat response module (MDR or X-Ops threat feeds) on a firewall.',
})
export class ThreatFeedModuleSettingsModel {
  @Field({ description: 'A module that is off neither matches nor logs.' })
  enabled!: boolean;

  @Field(() => ThreatFeedAction, { description: 'What the firewall does with matching traffic.' })
  action!: ThreatFeedAction;
}

@ObjectType('FirewallSettings', { description: 'Threat feed and log settings of a firewall.' })
export class FirewallSettingsModel {
  @Field(() => ThreatFeedModuleSettingsModel, { description: 'MDR threat feeds (checked first).' })
  mdr!: ThreatFeedModuleSettingsModel;

  @Field(() => ThreatFeedModuleSettingsModel, {
    description: 'Sophos X-Ops threat feeds (checked after MDR).',
  })
  xops!: ThreatFeedModuleSettingsModel;

  @Field({ description: 'Keep Active threat response events in the local log of the firewall.' })
  localReporting!: boolean;

  @Field({ description: 'Send Active threat response events to central reporting.' })
  centralReporting!: boolean;

  @Field({ description: 'When the settings last changed.' })
  updatedAt!: Date;
}
