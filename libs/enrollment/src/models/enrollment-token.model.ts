import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Paginated } from '@threatline/graphql-kit';

export enum EnrollmentTokenState {
  ACTIVE = 'ACTIVE',
  EXPIRED = 'EXPIRED',
  EXHAUSTED = 'EXHAUSTED',
  REVOKED = 'REVOKED',
}

registerEnumType(EnrollmentTokenState, {
  name: 'EnrollmentTokenState',
  description:
    'ACTIVE tokens enroll firewalls; REVOKED, EXPIRED and EXHAUSTED (all uses spent) ones no longer do.',
});

@ObjectType('EnrollmentToken', {
  description: 'A token that enrolls firewalls into a group. Its secret is shown only once.',
})
export class EnrollmentTokenModel {
  @Field(() => ID, { description: 'Token id.' })
  id!: string;

  @Field(() => ID, { description: 'The group firewalls enrolled with this token land in.' })
  groupId!: string;

  @Field({ description: 'The first characters of the secret, to recognize the token.' })
  prefix!: string;

  @Field({ description: 'When the token stops enrolling firewalls.' })
  expiresAt!: Date;

  @Field(() => Int, { description: 'How many firewalls the token may enroll.' })
  maxUses!: number;

  @Field(() => Int, { description: 'How many firewalls it has enrolled.' })
  uses!: number;

  @Field({ description: 'True when firewalls enrolled with it wait for a fleet admin to approve them.' })
  requireApproval!: boolean;

  @Field(() => EnrollmentTokenState, { description: 'Whether the token can still enroll, and if not, why.' })
  state!: EnrollmentTokenState;

  @Field({ description: 'When the token was created.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the token was revoked.' })
  revokedAt!: Date | null;
}

export const EnrollmentTokenConnection = Paginated(EnrollmentTokenModel);

@ObjectType('CreatedEnrollmentToken', {
  description: 'A new enrollment token and its secret, which is not shown again.',
})
export class CreatedEnrollmentTokenModel {
  @Field(() => EnrollmentTokenModel, { description: 'The token.' })
  enrollmentToken!: EnrollmentTokenModel;

  @Field({ description: 'The secret a firewall sends to POST /api/v1/enrollments. Store it now.' })
  secret!: string;
}
