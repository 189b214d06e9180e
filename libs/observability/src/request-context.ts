import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestScope {
  readonly requestId: string;
}

/**
 * The request a piece of code runs for, without threading it through every call: the audit
 * log records it next to each change. HTTP requests enter a scope in `RequestContextMiddleware`;
 * queue processors can enter one with `run` to carry the id of the request that caused the job.
 */
@Injectable()
export class RequestContext {
  private readonly storage = new AsyncLocalStorage<RequestScope>();

  run<T>(scope: RequestScope, fn: () => T): T {
    return this.storage.run(scope, fn);
  }

  /** The current request id, or undefined outside any request (boot, timers). */
  requestId(): string | undefined {
    return this.storage.getStore()?.requestId;
  }
}
