import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { enqueueRepeats, type NotificationPayload, type NotificationReceiverKind } from '@damon/persistence';
import type { DataSource } from 'typeorm';
import { retryDelayMs } from './notification-backoff';
import { notificationRequest } from './notification-request';
import { NOTIFICATION_SETTINGS, type NotificationSettings } from './notification-settings';
import { CORRELATION_DATA_SOURCE } from './tokens';

interface ClaimedRow {
  seq: string;
  attempts: number;
  payload: NotificationPayload;
  kind: NotificationReceiverKind;
  url: string;
  secret: string | null;
}

export interface SendOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

/**
 * Delivers notification_outbox rows to their receivers. A row is claimed in its own transaction
 * before the request (attempt counted, next attempt pushed past the request's timeout, rows locked
 * with SKIP LOCKED), so two senders never send it at once and a sender killed mid-request leaves it
 * to be retried after that lease; the result is recorded only for the attempt that claimed it. A 2xx
 * marks it delivered, never to be sent again; anything else is retried with exponential back-off
 * until `maxAttempts`, then marked failed. Notifications of one incident to one receiver leave in
 * order: a row waits while an earlier one is still pending.
 */
@Injectable()
export class NotificationSender implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastRepeatCheck = 0;
  private stopped = false;
  private readonly logger = new Logger('NotificationSender');

  constructor(
    @Inject(CORRELATION_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(NOTIFICATION_SETTINGS) private readonly settings: NotificationSettings,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (!this.running && !this.stopped)
        this.running = this.tick().finally(() => (this.running = undefined));
    }, this.settings.pollIntervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One round: queue due repeats (now and then), then send what is due until nothing is. */
  async tick(): Promise<void> {
    try {
      if (Date.now() - this.lastRepeatCheck >= this.settings.repeatCheckIntervalMs) {
        this.lastRepeatCheck = Date.now();
        await this.dataSource.transaction((manager) => enqueueRepeats(manager, new Date()));
      }
      while (!this.stopped && (await this.sendDue()) > 0);
    } catch (error) {
      this.logger.warn(
        `notification round failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** Claims and sends one batch of due notifications; how many were claimed. */
  async sendDue(): Promise<number> {
    const claimed = await this.claim();
    await Promise.all(claimed.map((row) => this.deliver(row)));
    return claimed.length;
  }

  private async claim(): Promise<ClaimedRow[]> {
    const leaseMs = this.settings.timeoutMs + 1_000;
    return this.dataSource.transaction(async (manager) => {
      const rows: unknown = await manager.query(
        `SELECT o.seq, o.attempts, o.payload, r.kind, r.url, r.secret
         FROM notification_outbox o JOIN notification_receivers r ON r.id = o.receiver_id
         WHERE o.status = 'pending' AND o.next_attempt_at <= now()
           AND NOT EXISTS (SELECT 1 FROM notification_outbox e
                           WHERE e.incident_id = o.incident_id AND e.receiver_id = o.receiver_id
                             AND e.status = 'pending' AND e.seq < o.seq)
         ORDER BY o.next_attempt_at, o.seq LIMIT $1 FOR UPDATE OF o SKIP LOCKED`,
        [this.settings.concurrency],
      );
      const claimed = rows as ClaimedRow[];
      if (claimed.length === 0) return [];
      // The attempt is on record before the request leaves.
      await manager.query(
        `UPDATE notification_outbox SET attempts = attempts + 1, last_attempt_at = now(),
           next_attempt_at = now() + make_interval(secs => $2::float8 / 1000)
         WHERE seq = ANY($1::bigint[])`,
        [claimed.map((r) => r.seq), leaseMs],
      );
      return claimed.map((r) => ({ ...r, attempts: r.attempts + 1 }));
    });
  }

  private async deliver(row: ClaimedRow): Promise<void> {
    const outcome = await this.send(row);
    try {
      if (outcome.ok) {
        await this.dataSource.query(
          `UPDATE notification_outbox SET status = 'delivered', delivered_at = now(), last_status_code = $3
           WHERE seq = $1 AND attempts = $2 AND status = 'pending'`,
          [row.seq, row.attempts, outcome.statusCode],
        );
        return;
      }
      const giveUp = row.attempts >= this.settings.maxAttempts;
      const delay = retryDelayMs(row.attempts, this.settings.baseDelayMs, this.settings.maxDelayMs);
      await this.dataSource.query(
        `UPDATE notification_outbox SET status = $3, last_status_code = $4, last_error = $5,
           next_attempt_at = now() + make_interval(secs => $6::float8 / 1000)
         WHERE seq = $1 AND attempts = $2 AND status = 'pending'`,
        [row.seq, row.attempts, giveUp ? 'failed' : 'pending', outcome.statusCode, outcome.error, delay],
      );
      this.logger.warn(
        `notification ${row.payload.idempotencyKey} to ${row.payload.receiver} failed (attempt ${row.attempts}${giveUp ? ', giving up' : ''}): ${outcome.error ?? ''}`,
      );
    } catch (error) {
      // The lease runs out and the row is sent again: at least once, with the same idempotency key.
      this.logger.warn(
        `recording notification ${row.payload.idempotencyKey} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private async send(row: ClaimedRow): Promise<SendOutcome> {
    const request = notificationRequest(row, row.payload, row.attempts);
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(this.settings.timeoutMs),
        redirect: 'manual',
      });
      const text = response.ok ? '' : (await response.text().catch(() => '')).slice(0, 200);
      if (response.ok) await response.body?.cancel().catch(() => undefined);
      return {
        ok: response.ok,
        statusCode: response.status,
        error: response.ok ? null : `HTTP ${response.status}${text ? `: ${text}` : ''}`,
      };
    } catch (error) {
      return { ok: false, statusCode: null, error: error instanceof Error ? error.message : String(error) };
    }
  }
}
