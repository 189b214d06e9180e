import { ArgsType, Field, ID } from '@nestjs/graphql';
import { PageArgs } from '@threatline/graphql-kit';
import { FirewallStatus } from '../models/enums';

@ArgsType()
export class FirewallsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: 'Only firewalls of this group.' })
  groupId?: string | null;

  @Field(() => FirewallStatus, { nullable: true, description: 'Only firewalls with this status.' })
  status?: FirewallStatus | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Only connected (true) or disconnected (false) firewalls.',
  })
  connected?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive part of the serial or hostname.' })
  search?: string | null;
}
