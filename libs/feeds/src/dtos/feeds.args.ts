import { ArgsType, Field } from '@nestjs/graphql';
import { PageArgs } from '@threatline/graphql-kit';

@ArgsType()
export class FeedsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only the feed with this audit ID.' })
  auditId?: string | null;
}
