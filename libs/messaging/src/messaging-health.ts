/** Readiness of the messaging backend, for /readyz. */
export abstract class MessagingHealth {
  /** Resolves when the backend answers; rejects otherwise. */
  abstract ping(): Promise<void>;
}
