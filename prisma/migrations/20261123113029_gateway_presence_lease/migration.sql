-- Presence leases: a firewall is connected through a live gateway process. Each gateway
-- renews its row in gateway_instance; the firewalls it marked connected point at it, so a
-- gateway killed without a clean shutdown no longer leaves them connected forever (its lease
-- expires and a sweep marks them disconnected).

-- AlterTable
ALTER TABLE "firewall" ADD COLUMN     "gateway_instance_id" UUID;

-- CreateTable
CREATE TABLE "gateway_instance" (
    "id" UUID NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "renewed_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "gateway_instance_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "gateway_instance_expires_at_idx" ON "gateway_instance"("expires_at");

-- CreateIndex
CREATE INDEX "firewall_gateway_instance_id_idx" ON "firewall"("gateway_instance_id");

-- AddForeignKey
ALTER TABLE "firewall" ADD CONSTRAINT "firewall_gateway_instance_id_fkey" FOREIGN KEY ("gateway_instance_id") REFERENCES "gateway_instance"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- No gateway owns the firewalls marked connected before leases existed: they read as
-- disconnected until their agent connects again (every agent reconnects when its gateway
-- restarts on this version).
UPDATE "firewall" SET "connected" = false WHERE "connected";

-- Connected means held by a gateway: the presence writes and the sweep set both together.
ALTER TABLE "firewall" ADD CONSTRAINT "firewall_connected_through_gateway" CHECK (
    NOT "connected" OR "gateway_instance_id" IS NOT NULL
);
