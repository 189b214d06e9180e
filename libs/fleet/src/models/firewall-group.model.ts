import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('FirewallGroup', { description: 'A group of firewalls; threat exclusions are kept per group.' })
export class FirewallGroupModel {
  @Field(() => ID, { description: 'Group id.' })
  id!: string;

  @Field({ description: 'Name, unique in the tenant.' })
  name!: string;

  @Field(() => ID, { nullable: true, description: 'The parent group, when nested.' })
  parentId!: string | null;

  @Field({ description: 'When the group was created.' })
  createdAt!: Date;
}
