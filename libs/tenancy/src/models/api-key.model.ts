import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ApiKeyRole } from '@threatline/db';

registerEnumType(ApiKeyRole, {
  name: 'ApiKeyRole',
  description:
    'What a key may do: run the platform, administer or read one tenant, or push feeds as an MDR analyst.',
});

@ObjectType('ApiKey', {
  description: 'An API key. The secret itself is shown only once, when the key is created.',
})
export class ApiKeyModel {
  @Field(() => ID, { description: 'Key id.' })
  id!: string;

  @Field({ description: 'What the key is for.' })
  name!: string;

  @Field({ description: 'The first characters of the secret, to recognize the key.' })
  prefix!: string;

  @Field(() => ApiKeyRole, { description: 'The role the key acts with.' })
  role!: ApiKeyRole;

  @Field(() => ID, { nullable: true, description: 'The tenant of a FLEET_ADMIN or READ_ONLY key.' })
  tenantId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The MDR provider of an MDR_ANALYST key.' })
  providerId!: string | null;

  @Field({ description: 'When the key was created.' })
  createdAt!: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'When the key was revoked; revoked keys authenticate nothing.',
  })
  revokedAt!: Date | null;
}

@ObjectType('CreatedApiKey', { description: 'A new API key and its secret, which is not shown again.' })
export class CreatedApiKeyModel {
  @Field(() => ApiKeyModel, { description: 'The key.' })
  apiKey!: ApiKeyModel;

  @Field({ description: 'The secret to send as `Authorization: Bearer <secret>`. Store it now.' })
  secret!: string;
}
