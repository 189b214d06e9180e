import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';
import { CredentialRepository } from './credential.repository';
import { FirewallCredentialGuard } from './firewall-credential.guard';
import { FirewallCredentialVerifier } from './firewall-credential.verifier';

@Global()
@Module({
  providers: [
    CredentialRepository,
    FirewallCredentialVerifier,
    FirewallCredentialGuard,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [FirewallCredentialVerifier, FirewallCredentialGuard],
})
export class AuthModule {}
