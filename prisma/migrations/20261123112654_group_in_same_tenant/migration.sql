-- A firewall, an enrollment token and a threat exclusion reference a group of their own
-- tenant: the foreign keys go through (tenant_id, group_id), so the database refuses a group
-- of another tenant on insert and update (the services check it first; this is the backstop),
-- and a group cannot change tenant while anything references it (ON UPDATE RESTRICT).
-- A database holding a cross-tenant row already fails here rather than keep it.

-- DropForeignKey
ALTER TABLE "enrollment_token" DROP CONSTRAINT "enrollment_token_group_id_fkey";

-- DropForeignKey
ALTER TABLE "firewall" DROP CONSTRAINT "firewall_group_id_fkey";

-- DropForeignKey
ALTER TABLE "threat_exclusion" DROP CONSTRAINT "threat_exclusion_group_id_fkey";

-- CreateIndex
CREATE UNIQUE INDEX "firewall_group_tenant_id_id_key" ON "firewall_group"("tenant_id", "id");

-- AddForeignKey
ALTER TABLE "firewall" ADD CONSTRAINT "firewall_group_in_same_tenant" FOREIGN KEY ("tenant_id", "group_id") REFERENCES "firewall_group"("tenant_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "enrollment_token" ADD CONSTRAINT "enrollment_token_group_in_same_tenant" FOREIGN KEY ("tenant_id", "group_id") REFERENCES "firewall_group"("tenant_id", "id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "threat_exclusion" ADD CONSTRAINT "threat_exclusion_group_in_same_tenant" FOREIGN KEY ("tenant_id", "group_id") REFERENCES "firewall_group"("tenant_id", "id") ON DELETE CASCADE ON UPDATE RESTRICT;
