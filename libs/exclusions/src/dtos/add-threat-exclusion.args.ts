import { ArgsType, Field, ID } from '@nestjs/graphql';
import { ExclusionType } from '../models/threat-exclusion.model';

export const MAX_COMMENT_LENGTH = 1000;

@ArgsType()
export class AddThreatExclusionArgs {
  @Field(() => ID, { description: 'The group it applies to.' })
  groupId!: string;

  @Field(() => ExclusionType, { description: 'What kind of value it excludes.' })
  type!: ExclusionType;

  @Field({
    description: 'The value; stored normalized, so equal values in other spellings are one exclusion.',
  })
  value!: string;

  @Field(() => String, {
    nullable: true,
    description: `Why it is added (at most ${MAX_COMMENT_LENGTH} characters).`,
  })
  comment?: string | null;
}
