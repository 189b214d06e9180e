import { Controller, Get, Logger, Query, Res } from '@nestjs/common';
import { CurrentApiKey, Roles, type ApiKeyPrincipal } from '@threatline/auth';
import type { Response } from 'express';
import { once } from 'node:events';
import { EVENT_READERS } from '../event-readers';
import { actionResultOf, messageOf } from '../query/threat-event.mapper';
import type { ThreatEventRow } from '../query/threat-event-query.repository';
import { ThreatEventsService } from '../query/threat-events.service';
import { csvLine } from './csv';
import { parseExportRequest } from './export-request';

const COLUMNS = [
  'occurredAt',
  'receivedAt',
  'id',
  'tenantId',
  'firewallId',
  'firewallSerial',
  'firewallHostname',
  'groupId',
  'auditId',
  'feedDescription',
  'source',
  'module',
  'action',
  'dryRun',
  'actionResult',
  'message',
  'moduleAction',
  'direction',
  'field',
  'indicator',
  'indicatorType',
  'srcIp',
  'dstIp',
  'domain',
  'url',
  'endpointHost',
  'endpointUser',
  'endpointProcess',
] as const;

function lineOf(row: ThreatEventRow): string {
  return csvLine([
    row.occurredAt,
    row.receivedAt,
    row.id,
    row.tenantId,
    row.firewallId,
    row.firewallSerial,
    row.firewallHostname,
    row.groupId,
    row.auditId,
    row.feedDescription,
    row.source,
    row.module,
    row.action,
    row.dryRun,
    actionResultOf(row),
    messageOf(row),
    row.moduleAction,
    row.direction,
    row.field,
    row.indicator,
    row.indicatorType,
    row.srcIp,
    row.dstIp,
    row.domain,
    row.url,
    row.endpointHost,
    row.endpointUser,
    row.endpointProcess,
  ]);
}

/** CSV export of a filtered event list (the filters of `threatEvents`, as query parameters). */
@Controller('api/v1/events')
export class ThreatEventExportController {
  private readonly logger = new Logger(ThreatEventExportController.name);

  constructor(private readonly events: ThreatEventsService) {}

  /**
   * Streams the events newest first, batch by batch as they are read, with the socket's backpressure: memory holds
   * one batch, whatever the export's size. Errors before the first byte are ordinary error answers; a failure
   * mid-stream cuts the connection, so a truncated file is never mistaken for a complete one.
   */
  @Get('export')
  @Roles(...EVENT_READERS)
  async export(
    @CurrentApiKey() caller: ApiKeyPrincipal,
    @Query() query: Record<string, unknown>,
    @Res() response: Response,
  ): Promise<void> {
    const request = parseExportRequest(query);
    const batches = await this.events.export(caller, request.filter, request.limit);
    response.status(200);
    response.setHeader('Content-Type', 'text/csv; charset=utf-8');
    response.setHeader('Content-Disposition', 'attachment; filename="threat-events.csv"');
    response.setHeader('Cache-Control', 'no-store');
    let closed = false;
    response.on('close', () => {
      closed = true;
    });
    try {
      await write(response, csvLine(COLUMNS));
      for await (const rows of batches) {
        if (closed) return;
        await write(response, rows.map(lineOf).join(''));
      }
      response.end();
    } catch (error) {
      this.logger.error(`event export failed after the headers were sent: ${String(error)}`);
      response.destroy();
    }
  }
}

async function write(response: Response, chunk: string): Promise<void> {
  if (!response.write(chunk)) await Promise.race([once(response, 'drain'), once(response, 'close')]);
}
