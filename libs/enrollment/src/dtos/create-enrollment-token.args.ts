import { ArgsType, Field, ID, Int } from '@nestjs/graphql';

export const MIN_EXPIRES_IN_SECONDS = 60;
export const MAX_EXPIRES_IN_SECONDS = 365 * 24 * 60 * 60;
export const MAX_TOKEN_USES = 100_000;

@ArgsType()
export class CreateEnrollmentTokenArgs {
  @Field(() => ID, { description: 'The group enrolled firewalls land in.' })
  groupId!: string;

  @Field(() => Int, {
    description: `Lifetime in seconds, ${MIN_EXPIRES_IN_SECONDS} to ${MAX_EXPIRES_IN_SECONDS} (one year).`,
  })
  expiresInSeconds!: number;

  @Field(() => Int, { description: `How many firewalls it may enroll, 1 to ${MAX_TOKEN_USES}.` })
  maxUses!: number;

  @Field({
    defaultValue: false,
    description: 'Firewalls enrolled with it wait (APPROVAL_PENDING) until a fleet admin approves them.',
  })
  requireApproval!: boolean;
}
