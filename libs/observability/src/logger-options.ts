import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '@threatline/config';
import type { Params } from 'nestjs-pino';
import { stdTimeFunctions } from 'pino';
import { ensureRequestId } from './request-id';

/** Probes and scrapes hit these every few seconds; their access lines would drown the rest. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One JSON line per request and per application log, each with the request id (`req.id`),
 * level names instead of numbers, ISO times. Headers are not logged: they carry API keys.
 */
export function loggerParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      genReqId: (req: IncomingMessage, res: ServerResponse) => ensureRequestId(req, res),
      customLogLevel: (_req, res, error) => {
        if (error !== undefined || res.statusCode >= 500) return 'error';
        return res.statusCode >= 400 ? 'warn' : 'info';
      },
      autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0] ?? '') },
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
