import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AuditService } from '@threatline/audit';
import { issueSecret, SecretKind } from '@threatline/auth';
import { isUniqueViolation } from '@threatline/db';
import { demoCredentialsPath, writeDemoCredentials } from './demo-credentials';
import { DemoSeedRepository } from './demo-seed.repository';

export const DEMO_SEED_OPTIONS = Symbol('DEMO_SEED_OPTIONS');

export interface DemoSeedOptions {
  /** Seed when no demo tenant exists yet (embedded first start, or SEED_DEMO=1). */
  enabled: boolean;
  dataDir: string;
  apiUrl: string;
  streamUrl: string;
}

const TOKEN_LIFETIME_MS = 365 * 24 * 3600 * 1000;

/**
 * Seeds the demo tenant once. The secrets exist only in `DATA_DIR/demo-credentials.json`
 * (the database keeps their hashes), so a restart finds the tenant and seeds nothing.
 */
@Injectable()
export class DemoSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoSeeder.name);

  constructor(
    @Inject(DEMO_SEED_OPTIONS) private readonly options: DemoSeedOptions,
    private readonly repository: DemoSeedRepository,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.enabled) await this.seedOnce();
  }

  /** Returns true when it seeded, false when the demo tenant already existed. */
  async seedOnce(): Promise<boolean> {
    if (await this.repository.findDemoTenant()) return false;
    const secrets = {
      admin: issueSecret(SecretKind.API_KEY),
      analyst: issueSecret(SecretKind.API_KEY),
      operator: issueSecret(SecretKind.API_KEY),
      enrollment: issueSecret(SecretKind.ENROLLMENT_TOKEN),
    };
    try {
      const ids = await this.repository.seed(
        secrets,
        new Date(Date.now() + TOKEN_LIFETIME_MS),
        (tx, seeded) =>
          this.audit.record(
            tx,
            { type: 'SYSTEM', id: null, requestId: undefined },
            {
              tenantId: seeded.tenantId ?? null,
              action: 'demo.seed',
              entityType: 'Tenant',
              entityId: seeded.tenantId ?? null,
              after: seeded,
            },
          ),
      );
      const path = writeDemoCredentials(this.options.dataDir, {
        tenantId: ids.tenantId,
        groupId: ids.groupId,
        adminApiKey: secrets.admin.secret,
        analystApiKey: secrets.analyst.secret,
        operatorApiKey: secrets.operator.secret,
        enrollmentToken: secrets.enrollment.secret,
        apiUrl: this.options.apiUrl,
        streamUrl: this.options.streamUrl,
      });
      this.logger.log(`Seeded the demo tenant; credentials in ${path}`);
      return true;
    } catch (error) {
      // Another replica seeded at the same moment: its file is the one that counts.
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  credentialsPath(): string {
    return demoCredentialsPath(this.options.dataDir);
  }
}
