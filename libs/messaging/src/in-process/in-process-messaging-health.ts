import { MessagingHealth } from '../messaging-health';

/** In process there is no backend to lose. */
export class InProcessMessagingHealth extends MessagingHealth {
  ping(): Promise<void> {
    return Promise.resolve();
  }
}
