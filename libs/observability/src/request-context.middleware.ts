import { Injectable, NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RequestContext } from './request-context';
import { ensureRequestId } from './request-id';

@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  constructor(private readonly context: RequestContext) {}

  use(req: Request, res: Response, next: () => void): void {
    this.context.run({ requestId: ensureRequestId(req, res) }, next);
  }
}
