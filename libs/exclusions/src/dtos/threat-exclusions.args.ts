import { ArgsType, Field, ID } from '@nestjs/graphql';
import { PageArgs } from '@threatline/graphql-kit';

@ArgsType()
export class ThreatExclusionsArgs extends PageArgs {
  @Field(() => ID, { description: 'The group.' })
  groupId!: string;
}
