-- Central reporting: Active threat response events, partitioned by day on occurred_at (libs/reporting).
-- Written by hand: Prisma's schema language cannot declare partitioning. The drift check still compares the parent
-- table with model ThreatEvent (columns, primary key, indexes) and ignores the partitions themselves.
--
-- Partitions are named threat_event_pYYYYMMDD and hold [day 00:00 UTC, next day 00:00 UTC). None is created here:
-- libs/reporting's partition maintenance creates today's and the next days' at start and then hourly, and creates a
-- past day's on demand when a spooled event arrives for it. There is no default partition: attaching a new
-- partition would then have to scan it.

-- CreateTable
CREATE TABLE "threat_event" (
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "firewall_id" UUID NOT NULL,
    "group_id" UUID NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "audit_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "module" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "dry_run" BOOLEAN NOT NULL,
    "module_action" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "field" TEXT NOT NULL,
    "indicator" TEXT NOT NULL,
    "indicator_type" TEXT NOT NULL,
    "src_ip" TEXT NOT NULL,
    "dst_ip" TEXT NOT NULL,
    "domain" TEXT,
    "url" TEXT,
    "endpoint_host" TEXT,
    "endpoint_user" TEXT,
    "endpoint_process" TEXT,

    CONSTRAINT "threat_event_pkey" PRIMARY KEY ("occurred_at","id"),
    CONSTRAINT "threat_event_values_check" CHECK (
        "source" IN ('MDR', 'XOPS')
        AND "module" IN ('firewall', 'dns', 'ips', 'web')
        AND "action" IN ('log', 'drop')
        AND "module_action" IN ('LOG_ONLY', 'LOG_AND_DROP')
        AND "direction" IN ('outbound', 'inbound', 'system')
        AND "field" IN ('srcIp', 'dstIp', 'domain', 'url')
        AND "indicator_type" IN ('ipv4', 'cidr', 'domain', 'url')
    ),
    -- A dry run never drops (seed 003): its event says what would have been done.
    CONSTRAINT "threat_event_dry_run_check" CHECK (NOT ("dry_run" AND "action" = 'drop'))
) PARTITION BY RANGE ("occurred_at");

-- A tenant's events newest first: the event list, the summary's time range, the export.
CREATE INDEX "threat_event_tenant_id_occurred_at_id_idx" ON "threat_event"("tenant_id", "occurred_at" DESC, "id" DESC);

-- One firewall's events newest first.
CREATE INDEX "threat_event_firewall_id_occurred_at_id_idx" ON "threat_event"("firewall_id", "occurred_at" DESC, "id" DESC);

-- Search by audit ID and by indicator inside a tenant.
CREATE INDEX "threat_event_tenant_id_audit_id_occurred_at_idx" ON "threat_event"("tenant_id", "audit_id", "occurred_at" DESC);
CREATE INDEX "threat_event_tenant_id_indicator_occurred_at_idx" ON "threat_event"("tenant_id", "indicator", "occurred_at" DESC);
