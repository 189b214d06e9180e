-- Central reporting: a cache of threatEventSummary's counts per (tenant, complete UTC hour) and per (tenant, UTC
-- day), so a summary over a month reads about 30 day rows and a few hour rows instead of every event
-- (libs/reporting/src/rollup). Exact: a rollup is used only while its version equals the version of its hour (the
-- sum over its hours for a day) in threat_event_hour_version, which the ingest worker increments when it stores
-- late events for an hour that has ended. Retention deletes rollups and versions with the events they describe.

-- CreateTable
CREATE TABLE "threat_event_hour_version" (
    "tenant_id" UUID NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "version" BIGINT NOT NULL,

    CONSTRAINT "threat_event_hour_version_pkey" PRIMARY KEY ("tenant_id","hour")
);

-- CreateTable
CREATE TABLE "threat_event_rollup" (
    "tenant_id" UUID NOT NULL,
    "start" TIMESTAMPTZ(3) NOT NULL,
    "hours" INTEGER NOT NULL,
    "version" BIGINT NOT NULL,
    "top_indicators" TEXT[],
    "top_indicator_types" TEXT[],
    "top_indicator_counts" INTEGER[],
    "indicator_rest_max" INTEGER NOT NULL,
    "rest_indicators" TEXT[],
    "rest_indicator_types" TEXT[],
    "rest_indicator_counts" INTEGER[],
    "top_firewalls" UUID[],
    "top_firewall_counts" INTEGER[],
    "firewall_rest_max" INTEGER NOT NULL,
    "rest_firewalls" UUID[],
    "rest_firewall_counts" INTEGER[],
    "traffic_1m_slots" INTEGER[],
    "traffic_1m_counts" INTEGER[],
    "traffic_5m_slots" INTEGER[],
    "traffic_5m_counts" INTEGER[],
    "traffic_15m_slots" INTEGER[],
    "traffic_15m_counts" INTEGER[],
    "traffic_60m_slots" INTEGER[],
    "traffic_60m_counts" INTEGER[],

    CONSTRAINT "threat_event_rollup_pkey" PRIMARY KEY ("tenant_id","hours","start")
);

-- CreateIndex
CREATE INDEX "threat_event_hour_version_hour_idx" ON "threat_event_hour_version"("hour");

-- CreateIndex
CREATE INDEX "threat_event_rollup_start_idx" ON "threat_event_rollup"("start");
