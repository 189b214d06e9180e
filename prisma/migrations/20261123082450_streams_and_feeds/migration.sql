-- CreateEnum
CREATE TYPE "FeedSource" AS ENUM ('MDR', 'XOPS');

-- CreateEnum
CREATE TYPE "FeedStatus" AS ENUM ('PENDING', 'PUBLISHED', 'REVOKING', 'REVOKED');

-- CreateEnum
CREATE TYPE "IndicatorType" AS ENUM ('ipv4', 'cidr', 'domain', 'url');

-- CreateTable
CREATE TABLE "stream" (
    "id" TEXT NOT NULL,
    "epoch" INTEGER NOT NULL DEFAULT 1,
    "head_seq" BIGINT NOT NULL DEFAULT 0,
    "checksum" TEXT NOT NULL DEFAULT '0000000000000000',
    "entry_count" INTEGER NOT NULL DEFAULT 0,
    "log_start_seq" BIGINT NOT NULL DEFAULT 1,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stream_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stream_entry" (
    "stream_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "entry" JSONB NOT NULL,

    CONSTRAINT "stream_entry_pkey" PRIMARY KEY ("stream_id","key")
);

-- CreateTable
CREATE TABLE "stream_delta" (
    "stream_id" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "op" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "entry" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stream_delta_pkey" PRIMARY KEY ("stream_id","seq")
);

-- CreateTable
CREATE TABLE "feed" (
    "id" UUID NOT NULL,
    "audit_id" TEXT NOT NULL,
    "source" "FeedSource" NOT NULL,
    "provider_id" UUID,
    "created_by_key_id" UUID,
    "description" TEXT NOT NULL DEFAULT '',
    "severity" TEXT,
    "dry_run" BOOLEAN NOT NULL DEFAULT false,
    "status" "FeedStatus" NOT NULL DEFAULT 'PENDING',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "idempotency_key" TEXT,
    "request_hash" TEXT,
    "response" JSONB,

    CONSTRAINT "feed_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "feed_target" (
    "id" UUID NOT NULL,
    "feed_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "group_id" UUID,

    CONSTRAINT "feed_target_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "feed_indicator" (
    "feed_id" UUID NOT NULL,
    "type" "IndicatorType" NOT NULL,
    "value" TEXT NOT NULL,
    "description" TEXT,
    "expires_at" TIMESTAMPTZ(3),
    "removed_at" TIMESTAMPTZ(3),

    CONSTRAINT "feed_indicator_pkey" PRIMARY KEY ("feed_id","type","value")
);

-- CreateTable
CREATE TABLE "feed_stream" (
    "feed_id" UUID NOT NULL,
    "stream_id" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,

    CONSTRAINT "feed_stream_pkey" PRIMARY KEY ("feed_id","stream_id")
);

-- CreateTable
CREATE TABLE "firewall_stream_ack" (
    "firewall_id" UUID NOT NULL,
    "stream_id" TEXT NOT NULL,
    "epoch" INTEGER NOT NULL,
    "seq" BIGINT NOT NULL,
    "acked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "firewall_stream_ack_pkey" PRIMARY KEY ("firewall_id","stream_id")
);

-- CreateIndex
CREATE INDEX "stream_delta_created_at_idx" ON "stream_delta"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "feed_audit_id_key" ON "feed"("audit_id");

-- CreateIndex
CREATE INDEX "feed_status_created_at_idx" ON "feed"("status", "created_at");

-- CreateIndex
CREATE INDEX "feed_provider_id_created_at_idx" ON "feed"("provider_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "feed_provider_id_idempotency_key_key" ON "feed"("provider_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "feed_target_feed_id_idx" ON "feed_target"("feed_id");

-- CreateIndex
CREATE INDEX "feed_target_tenant_id_idx" ON "feed_target"("tenant_id");

-- CreateIndex
CREATE INDEX "feed_target_group_id_idx" ON "feed_target"("group_id");

-- CreateIndex
CREATE INDEX "feed_indicator_type_value_idx" ON "feed_indicator"("type", "value");

-- CreateIndex
CREATE INDEX "feed_stream_stream_id_idx" ON "feed_stream"("stream_id");

-- CreateIndex
CREATE INDEX "firewall_stream_ack_stream_id_idx" ON "firewall_stream_ack"("stream_id");

-- AddForeignKey
ALTER TABLE "stream_entry" ADD CONSTRAINT "stream_entry_stream_id_fkey" FOREIGN KEY ("stream_id") REFERENCES "stream"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stream_delta" ADD CONSTRAINT "stream_delta_stream_id_fkey" FOREIGN KEY ("stream_id") REFERENCES "stream"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "feed" ADD CONSTRAINT "feed_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "mdr_provider"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "feed" ADD CONSTRAINT "feed_created_by_key_id_fkey" FOREIGN KEY ("created_by_key_id") REFERENCES "api_key"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "feed_target" ADD CONSTRAINT "feed_target_feed_id_fkey" FOREIGN KEY ("feed_id") REFERENCES "feed"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "feed_target" ADD CONSTRAINT "feed_target_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "feed_target" ADD CONSTRAINT "feed_target_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "firewall_group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "feed_indicator" ADD CONSTRAINT "feed_indicator_feed_id_fkey" FOREIGN KEY ("feed_id") REFERENCES "feed"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "feed_stream" ADD CONSTRAINT "feed_stream_feed_id_fkey" FOREIGN KEY ("feed_id") REFERENCES "feed"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "firewall_stream_ack" ADD CONSTRAINT "firewall_stream_ack_firewall_id_fkey" FOREIGN KEY ("firewall_id") REFERENCES "firewall"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Integrity rules the Prisma schema language cannot say (written by hand; the drift check ignores them).

-- A stream's bounds: epochs from 1, seq 0 is the empty state, the log holds log_start_seq..head_seq.
ALTER TABLE "stream" ADD CONSTRAINT "stream_bounds_check"
    CHECK ("epoch" >= 1 AND "head_seq" >= 0 AND "entry_count" >= 0
           AND "log_start_seq" >= 1 AND "log_start_seq" <= "head_seq" + 1
           AND "checksum" ~ '^[0-9a-f]{16}$');

-- An upsert carries its full entry, a remove none.
ALTER TABLE "stream_delta" ADD CONSTRAINT "stream_delta_op_check"
    CHECK (("op" = 'upsert' AND "entry" IS NOT NULL) OR ("op" = 'remove' AND "entry" IS NULL));
ALTER TABLE "stream_delta" ADD CONSTRAINT "stream_delta_seq_check" CHECK ("seq" >= 1);

-- MDR feeds belong to a provider, X-Ops feeds to none; an idempotency key is kept with its request hash.
ALTER TABLE "feed" ADD CONSTRAINT "feed_source_provider_check"
    CHECK (("source" = 'MDR') = ("provider_id" IS NOT NULL));
ALTER TABLE "feed" ADD CONSTRAINT "feed_idempotency_check"
    CHECK (("idempotency_key" IS NULL) = ("request_hash" IS NULL));

-- One target row per (feed, tenant) for a tenant-wide target and per (feed, group) for a group target.
CREATE UNIQUE INDEX "feed_target_tenant_wide_key" ON "feed_target" ("feed_id", "tenant_id") WHERE "group_id" IS NULL;
CREATE UNIQUE INDEX "feed_target_group_key" ON "feed_target" ("feed_id", "group_id") WHERE "group_id" IS NOT NULL;

-- Active indicators by expiry, for the TTL sweep.
CREATE INDEX "feed_indicator_active_expiry_idx" ON "feed_indicator" ("expires_at")
    WHERE "removed_at" IS NULL AND "expires_at" IS NOT NULL;
