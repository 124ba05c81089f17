/** How the notification sender delivers. */
export interface NotificationSettings {
  /** Attempts before a notification is marked `failed` (kept, visible through the API). */
  maxAttempts: number;
  /** Back-off before the second attempt; doubles per attempt up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** One HTTP request's timeout; a claimed notification is retried after it if the sender died. */
  timeoutMs: number;
  /** How often the outbox is polled for due notifications. */
  pollIntervalMs: number;
  /** How often open incidents are checked for a due repeat. */
  repeatCheckIntervalMs: number;
  /** Notifications sent concurrently. */
  concurrency: number;
}

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  maxAttempts: 10,
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  timeoutMs: 10_000,
  pollIntervalMs: 250,
  repeatCheckIntervalMs: 5_000,
  concurrency: 8,
};

/** Nest injection token for NotificationSettings. */
export const NOTIFICATION_SETTINGS = Symbol('damon.correlation.notification-settings');
