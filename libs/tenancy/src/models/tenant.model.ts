import { Field, ID, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('Tenant', {
  description: 'A customer organisation; all fleet data belongs to exactly one tenant.',
})
export class TenantModel {
  @Field(() => ID, { description: 'Tenant id.' })
  id!: string;

  @Field({ description: 'Unique display name.' })
  name!: string;

  @Field(() => Int, { description: 'Days central reporting keeps the threat events of this tenant.' })
  eventRetentionDays!: number;

  @Field({ description: 'When the tenant was created.' })
  createdAt!: Date;
}
