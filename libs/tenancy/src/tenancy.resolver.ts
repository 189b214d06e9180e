import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentApiKey, OPERATORS, Roles } from '@threatline/auth';
import type { ApiKeyPrincipal } from '@threatline/auth';
import { ApiKeyRole } from '@threatline/db';
import { CreateApiKeyInput } from './dtos/create-api-key.input';
import { ApiKeyModel, CreatedApiKeyModel } from './models/api-key.model';
import { MdrProviderModel } from './models/mdr-provider.model';
import { TenantModel } from './models/tenant.model';
import { ViewerModel } from './models/viewer.model';
import { TenancyService } from './tenancy.service';

const KEY_MANAGERS = [ApiKeyRole.OPERATOR, ApiKeyRole.FLEET_ADMIN];

@Resolver()
export class TenancyResolver {
  constructor(private readonly tenancy: TenancyService) {}

  @Query(() => ViewerModel, { description: 'The credential making this request.' })
  @Roles(ApiKeyRole.OPERATOR, ApiKeyRole.FLEET_ADMIN, ApiKeyRole.MDR_ANALYST, ApiKeyRole.READ_ONLY)
  viewer(@CurrentApiKey() caller: ApiKeyPrincipal): ViewerModel {
    const { apiKeyId, name, role, tenantId, providerId } = caller;
    return { apiKeyId, name, role, tenantId, providerId };
  }

  @Query(() => [TenantModel], { description: 'Every tenant (operators).' })
  @Roles(...OPERATORS)
  tenants(): Promise<TenantModel[]> {
    return this.tenancy.listTenants();
  }

  @Query(() => [MdrProviderModel], {
    description: 'Every MDR provider and the tenants it serves (operators).',
  })
  @Roles(...OPERATORS)
  mdrProviders(): Promise<MdrProviderModel[]> {
    return this.tenancy.listProviders();
  }

  @Query(() => [ApiKeyModel], {
    description: 'API keys: all (operators) or those of the own tenant (fleet admins).',
  })
  @Roles(...KEY_MANAGERS)
  apiKeys(@CurrentApiKey() caller: ApiKeyPrincipal): Promise<ApiKeyModel[]> {
    return this.tenancy.listApiKeys(caller);
  }

  @Mutation(() => TenantModel, { description: 'Creates a tenant (operators).' })
  @Roles(...OPERATORS)
  createTenant(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @Args('name', { description: 'Unique display name.' }) name: string,
  ): Promise<TenantModel> {
    return this.tenancy.createTenant(caller, name);
  }

  @Mutation(() => MdrProviderModel, { description: 'Creates an MDR provider (operators).' })
  @Roles(...OPERATORS)
  createMdrProvider(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @Args('name', { description: 'Unique display name.' }) name: string,
  ): Promise<MdrProviderModel> {
    return this.tenancy.createProvider(caller, name);
  }

  @Mutation(() => MdrProviderModel, {
    description: 'Sets exactly which tenants an MDR provider serves (operators).',
  })
  @Roles(...OPERATORS)
  setProviderTenants(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @Args('providerId', { type: () => ID, description: 'The provider.' }) providerId: string,
    @Args('tenantIds', { type: () => [ID], description: 'The full set of tenants it serves.' })
    tenantIds: string[],
  ): Promise<MdrProviderModel> {
    return this.tenancy.setProviderTenants(caller, providerId, tenantIds);
  }

  @Mutation(() => CreatedApiKeyModel, { description: 'Creates an API key; its secret is returned once.' })
  @Roles(...KEY_MANAGERS)
  createApiKey(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @Args('input', { description: 'Role, name and scope.' }) input: CreateApiKeyInput,
  ): Promise<CreatedApiKeyModel> {
    return this.tenancy.createApiKey(caller, input);
  }

  @Mutation(() => ApiKeyModel, { description: 'Revokes an API key at once.' })
  @Roles(...KEY_MANAGERS)
  revokeApiKey(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @Args('id', { type: () => ID, description: 'The key.' }) id: string,
  ): Promise<ApiKeyModel> {
    return this.tenancy.revokeApiKey(caller, id);
  }
}
