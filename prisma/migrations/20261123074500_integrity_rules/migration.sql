-- Integrity rules that schema.prisma cannot express. Prisma's diff ignores CHECK
-- constraints, triggers and (without the partialIndexes preview feature) partial indexes,
-- so they live here and the drift check stays quiet about them; the integration tests in
-- libs/db prove each one holds.

-- A hardware serial belongs to at most one firewall that is not deregistered; a
-- deregistered firewall keeps its serial so the same box can enroll again.
CREATE UNIQUE INDEX "firewall_serial_active_key" ON "firewall"("serial") WHERE "status" <> 'DEREGISTERED';

-- Scope follows the role: OPERATOR is platform-wide, FLEET_ADMIN and READ_ONLY belong to
-- exactly one tenant, MDR_ANALYST to exactly one MDR provider. ELSE false makes a role
-- added later fail until its scope rule is written here.
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_scope_matches_role" CHECK (
    CASE "role"
        WHEN 'OPERATOR' THEN "tenant_id" IS NULL AND "provider_id" IS NULL
        WHEN 'FLEET_ADMIN' THEN "tenant_id" IS NOT NULL AND "provider_id" IS NULL
        WHEN 'READ_ONLY' THEN "tenant_id" IS NOT NULL AND "provider_id" IS NULL
        WHEN 'MDR_ANALYST' THEN "provider_id" IS NOT NULL AND "tenant_id" IS NULL
        ELSE false
    END
);

ALTER TABLE "app_user" ADD CONSTRAINT "app_user_scope_matches_role" CHECK (
    CASE "role"
        WHEN 'OPERATOR' THEN "tenant_id" IS NULL AND "provider_id" IS NULL
        WHEN 'FLEET_ADMIN' THEN "tenant_id" IS NOT NULL AND "provider_id" IS NULL
        WHEN 'READ_ONLY' THEN "tenant_id" IS NOT NULL AND "provider_id" IS NULL
        WHEN 'MDR_ANALYST' THEN "provider_id" IS NOT NULL AND "tenant_id" IS NULL
        ELSE false
    END
);

ALTER TABLE "enrollment_token" ADD CONSTRAINT "enrollment_token_uses_within_max" CHECK (
    "max_uses" >= 1 AND "uses" >= 0 AND "uses" <= "max_uses"
);

ALTER TABLE "tenant" ADD CONSTRAINT "tenant_event_retention_days_range" CHECK (
    "event_retention_days" BETWEEN 1 AND 3650
);

-- The audit log is append-only: rows are inserted, never changed or removed.
CREATE FUNCTION "audit_log_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_log_append_only"
    BEFORE UPDATE OR DELETE ON "audit_log"
    FOR EACH ROW EXECUTE FUNCTION "audit_log_refuse_change"();

CREATE TRIGGER "audit_log_no_truncate"
    BEFORE TRUNCATE ON "audit_log"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_refuse_change"();

-- Firewall groups form a forest inside each tenant: a parent is in the same tenant, and
-- following parents never leads back to the group. The walk locks each ancestor FOR SHARE,
-- so a concurrent move of one of them waits (READ COMMITTED) or fails with a serialization
-- error (REPEATABLE READ and above) instead of closing a cycle unseen.
CREATE FUNCTION "firewall_group_check_parent"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ancestor_id uuid := NEW."parent_id";
    ancestor_tenant uuid;
    next_id uuid;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW."tenant_id" <> OLD."tenant_id" AND EXISTS (
        SELECT 1 FROM "firewall_group" WHERE "parent_id" = NEW."id" AND "tenant_id" <> NEW."tenant_id"
    ) THEN
        RAISE EXCEPTION 'firewall group % has child groups in another tenant', NEW."id"
            USING ERRCODE = 'check_violation', CONSTRAINT = 'firewall_group_parent_same_tenant';
    END IF;
    IF ancestor_id IS NULL THEN
        RETURN NEW;
    END IF;
    IF ancestor_id = NEW."id" THEN
        -- Checked first: on INSERT the row is not there yet for the walk below to find.
        RAISE EXCEPTION 'group % cannot be its own parent', NEW."id"
            USING ERRCODE = 'check_violation', CONSTRAINT = 'firewall_group_no_cycle';
    END IF;
    SELECT "tenant_id" INTO ancestor_tenant FROM "firewall_group" WHERE "id" = ancestor_id FOR SHARE;
    IF NOT FOUND THEN
        RETURN NEW; -- the foreign key reports the missing parent
    END IF;
    IF ancestor_tenant <> NEW."tenant_id" THEN
        RAISE EXCEPTION 'parent group % is in another tenant than group %', ancestor_id, NEW."id"
            USING ERRCODE = 'check_violation', CONSTRAINT = 'firewall_group_parent_same_tenant';
    END IF;
    WHILE ancestor_id IS NOT NULL LOOP
        IF ancestor_id = NEW."id" THEN
            RAISE EXCEPTION 'making % the parent of group % would create a cycle', NEW."parent_id", NEW."id"
                USING ERRCODE = 'check_violation', CONSTRAINT = 'firewall_group_no_cycle';
        END IF;
        SELECT "parent_id" INTO next_id FROM "firewall_group" WHERE "id" = ancestor_id FOR SHARE;
        ancestor_id := next_id;
    END LOOP;
    RETURN NEW;
END;
$$;

CREATE TRIGGER "firewall_group_parent_rules"
    BEFORE INSERT OR UPDATE OF "parent_id", "tenant_id" ON "firewall_group"
    FOR EACH ROW EXECUTE FUNCTION "firewall_group_check_parent"();
