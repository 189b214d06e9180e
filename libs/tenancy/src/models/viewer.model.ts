import { Field, ID, ObjectType } from '@nestjs/graphql';
import { ApiKeyRole } from '@threatline/db';

@ObjectType('Viewer', { description: 'The credential making this request.' })
export class ViewerModel {
  @Field(() => ID, { description: 'The API key id.' })
  apiKeyId!: string;

  @Field({ description: 'The API key name.' })
  name!: string;

  @Field(() => ApiKeyRole, { description: 'Its role.' })
  role!: ApiKeyRole;

  @Field(() => ID, { nullable: true, description: 'Its tenant, for tenant-scoped keys.' })
  tenantId!: string | null;

  @Field(() => ID, { nullable: true, description: 'Its MDR provider, for analyst keys.' })
  providerId!: string | null;
}
