import { ArgsType, Field, ID } from '@nestjs/graphql';
import { PageArgs } from '@threatline/graphql-kit';

@ArgsType()
export class EnrollmentTokensArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: 'Only the tokens of this group.' })
  groupId?: string | null;
}
