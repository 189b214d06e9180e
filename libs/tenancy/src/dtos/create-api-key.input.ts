import { Field, ID, InputType } from '@nestjs/graphql';
import { ApiKeyRole } from '@threatline/db';

@InputType({ description: 'A new API key. Its scope follows its role.' })
export class CreateApiKeyInput {
  @Field(() => ApiKeyRole, { description: 'The role the key acts with.' })
  role!: ApiKeyRole;

  @Field({ description: 'What the key is for (1 to 100 characters).' })
  name!: string;

  @Field(() => ID, {
    nullable: true,
    description:
      'Tenant of a FLEET_ADMIN or READ_ONLY key (operators; keys made by a fleet admin always belong to its own tenant).',
  })
  tenantId?: string | null;

  @Field(() => ID, { nullable: true, description: 'MDR provider of an MDR_ANALYST key (operators only).' })
  providerId?: string | null;
}
