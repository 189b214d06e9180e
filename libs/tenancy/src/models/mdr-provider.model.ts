import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('MdrProvider', {
  description: 'An MDR provider: its analysts push threat feeds to the tenants it serves.',
})
export class MdrProviderModel {
  @Field(() => ID, { description: 'Provider id.' })
  id!: string;

  @Field({ description: 'Unique display name.' })
  name!: string;

  @Field(() => [ID], { description: 'The tenants this provider serves.' })
  tenantIds!: string[];

  @Field({ description: 'When the provider was created.' })
  createdAt!: Date;
}
