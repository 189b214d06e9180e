import { Controller, Get } from '@nestjs/common';
import { Public } from '@threatline/auth';
import { DbHealth } from '@threatline/db';
import { DomainException, ErrorKind } from '@threatline/errors';
import { MessagingHealth } from '@threatline/messaging';
import { PinoLogger } from 'nestjs-pino';
import { checkDependencies } from './readiness';

/** Liveness and readiness for load balancers and orchestrators. Public: a probe has no key. */
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly db: DbHealth,
    private readonly messaging: MessagingHealth,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(HealthController.name);
  }

  /** The process is up and serving HTTP; says nothing of its dependencies. */
  @Get('healthz')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready for traffic: the database and the message bus both answer. 503 names those that do not. */
  @Get('readyz')
  async ready(): Promise<{ status: 'ready'; checks: Record<string, 'up'> }> {
    const report = await checkDependencies({
      database: () => this.db.ping(),
      messaging: () => this.messaging.ping(),
    });
    if (report.down.length > 0) {
      // The reasons can name hosts and ports: logged, not answered.
      this.logger.warn({ failures: report.failures }, 'Not ready');
      throw new DomainException(
        ErrorKind.UNAVAILABLE,
        'NOT_READY',
        `Not ready: ${report.down.join(' and ')} unreachable.`,
        { checks: report.checks },
      );
    }
    return { status: 'ready', checks: report.checks as Record<string, 'up'> };
  }
}
