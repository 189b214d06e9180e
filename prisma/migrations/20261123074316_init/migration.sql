-- CreateEnum
CREATE TYPE "FirewallStatus" AS ENUM ('APPROVAL_PENDING', 'MANAGED', 'DEREGISTERED');

-- CreateEnum
CREATE TYPE "ThreatFeedAction" AS ENUM ('LOG_ONLY', 'LOG_AND_DROP');

-- CreateEnum
CREATE TYPE "ExclusionType" AS ENUM ('IP', 'NETWORK', 'DOMAIN', 'URL', 'HOST');

-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('OPERATOR', 'FLEET_ADMIN', 'MDR_ANALYST', 'READ_ONLY');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('API_KEY', 'ENROLLMENT_TOKEN', 'FIREWALL', 'SYSTEM');

-- CreateTable
CREATE TABLE "mdr_provider" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mdr_provider_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mdr_provider_tenant" (
    "provider_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mdr_provider_tenant_pkey" PRIMARY KEY ("provider_id","tenant_id")
);

-- CreateTable
CREATE TABLE "tenant" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "event_retention_days" INTEGER NOT NULL DEFAULT 30,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "firewall_group" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "parent_id" UUID,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "firewall_group_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "firewall" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "group_id" UUID NOT NULL,
    "serial" TEXT NOT NULL,
    "hostname" TEXT,
    "model" TEXT,
    "firmware_version" TEXT,
    "status" "FirewallStatus" NOT NULL,
    "connected" BOOLEAN NOT NULL DEFAULT false,
    "last_seen_at" TIMESTAMPTZ(3),
    "enrolled_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deregistered_at" TIMESTAMPTZ(3),
    "enrollment_token_id" UUID,

    CONSTRAINT "firewall_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "firewall_credential" (
    "id" UUID NOT NULL,
    "firewall_id" UUID NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "firewall_credential_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "firewall_settings" (
    "firewall_id" UUID NOT NULL,
    "mdr_enabled" BOOLEAN NOT NULL DEFAULT true,
    "mdr_action" "ThreatFeedAction" NOT NULL DEFAULT 'LOG_AND_DROP',
    "xops_enabled" BOOLEAN NOT NULL DEFAULT false,
    "xops_action" "ThreatFeedAction" NOT NULL DEFAULT 'LOG_AND_DROP',
    "local_reporting" BOOLEAN NOT NULL DEFAULT true,
    "central_reporting" BOOLEAN NOT NULL DEFAULT true,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "firewall_settings_pkey" PRIMARY KEY ("firewall_id")
);

-- CreateTable
CREATE TABLE "enrollment_token" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "group_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "max_uses" INTEGER NOT NULL,
    "uses" INTEGER NOT NULL DEFAULT 0,
    "require_approval" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "enrollment_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "threat_exclusion" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "group_id" UUID NOT NULL,
    "type" "ExclusionType" NOT NULL,
    "value" TEXT NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "created_by_id" TEXT,
    "created_by_name" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "threat_exclusion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "app_user" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "tenant_id" UUID,
    "provider_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_key" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "tenant_id" UUID,
    "provider_id" UUID,
    "user_id" UUID,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" TEXT,
    "tenant_id" UUID,
    "action" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT,
    "before" JSONB,
    "after" JSONB,
    "request_id" TEXT,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "mdr_provider_name_key" ON "mdr_provider"("name");

-- CreateIndex
CREATE INDEX "mdr_provider_tenant_tenant_id_idx" ON "mdr_provider_tenant"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "tenant_name_key" ON "tenant"("name");

-- CreateIndex
CREATE INDEX "firewall_group_parent_id_idx" ON "firewall_group"("parent_id");

-- CreateIndex
CREATE UNIQUE INDEX "firewall_group_tenant_id_name_key" ON "firewall_group"("tenant_id", "name");

-- CreateIndex
CREATE INDEX "firewall_tenant_id_group_id_idx" ON "firewall"("tenant_id", "group_id");

-- CreateIndex
CREATE INDEX "firewall_tenant_id_status_idx" ON "firewall"("tenant_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "firewall_credential_secret_hash_key" ON "firewall_credential"("secret_hash");

-- CreateIndex
CREATE INDEX "firewall_credential_firewall_id_idx" ON "firewall_credential"("firewall_id");

-- CreateIndex
CREATE UNIQUE INDEX "enrollment_token_token_hash_key" ON "enrollment_token"("token_hash");

-- CreateIndex
CREATE INDEX "enrollment_token_tenant_id_idx" ON "enrollment_token"("tenant_id");

-- CreateIndex
CREATE INDEX "threat_exclusion_tenant_id_idx" ON "threat_exclusion"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "threat_exclusion_group_id_type_value_key" ON "threat_exclusion"("group_id", "type", "value");

-- CreateIndex
CREATE UNIQUE INDEX "app_user_email_key" ON "app_user"("email");

-- CreateIndex
CREATE UNIQUE INDEX "api_key_key_hash_key" ON "api_key"("key_hash");

-- CreateIndex
CREATE INDEX "api_key_tenant_id_idx" ON "api_key"("tenant_id");

-- CreateIndex
CREATE INDEX "api_key_provider_id_idx" ON "api_key"("provider_id");

-- CreateIndex
CREATE INDEX "audit_log_tenant_id_at_idx" ON "audit_log"("tenant_id", "at");

-- CreateIndex
CREATE INDEX "audit_log_entity_type_entity_id_idx" ON "audit_log"("entity_type", "entity_id");

-- AddForeignKey
ALTER TABLE "mdr_provider_tenant" ADD CONSTRAINT "mdr_provider_tenant_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "mdr_provider"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mdr_provider_tenant" ADD CONSTRAINT "mdr_provider_tenant_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "firewall_group" ADD CONSTRAINT "firewall_group_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "firewall_group" ADD CONSTRAINT "firewall_group_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "firewall_group"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "firewall" ADD CONSTRAINT "firewall_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "firewall" ADD CONSTRAINT "firewall_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "firewall_group"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "firewall" ADD CONSTRAINT "firewall_enrollment_token_id_fkey" FOREIGN KEY ("enrollment_token_id") REFERENCES "enrollment_token"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "firewall_credential" ADD CONSTRAINT "firewall_credential_firewall_id_fkey" FOREIGN KEY ("firewall_id") REFERENCES "firewall"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "firewall_settings" ADD CONSTRAINT "firewall_settings_firewall_id_fkey" FOREIGN KEY ("firewall_id") REFERENCES "firewall"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrollment_token" ADD CONSTRAINT "enrollment_token_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrollment_token" ADD CONSTRAINT "enrollment_token_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "firewall_group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "threat_exclusion" ADD CONSTRAINT "threat_exclusion_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "threat_exclusion" ADD CONSTRAINT "threat_exclusion_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "firewall_group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "app_user" ADD CONSTRAINT "app_user_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "app_user" ADD CONSTRAINT "app_user_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "mdr_provider"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "mdr_provider"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;
