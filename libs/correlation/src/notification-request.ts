import { createHmac } from 'node:crypto';
import type { NotificationPayload, NotificationReceiverKind } from '@damon/persistence';

export const SIGNATURE_HEADER = 'x-damon-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const DEDUP_HEADER = 'x-damon-dedup-key';

export interface NotificationTarget {
  kind: NotificationReceiverKind;
  url: string;
  secret: string | null;
}

export interface NotificationRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** `sha256=<hex HMAC-SHA256 of the body with the secret>`, as GitHub signs webhooks. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** One line for a chat channel. */
export function notificationText(p: NotificationPayload): string {
  const i = p.incident;
  const what = p.status === 'resolved' ? 'RESOLVED' : p.repeat ? 'STILL OPEN' : p.change.toUpperCase();
  const subjects = i.subjects
    .slice(0, 5)
    .map((s) => `${s.kind}/${s.id}`)
    .join(', ');
  const more = i.subjects.length > 5 ? ` and ${i.subjects.length - 5} more` : '';
  return `[damon] ${what} incident ${i.id}: severity ${i.severity.toFixed(2)}, stages ${i.stages.join(', ') || '-'}, ${i.alertCount} alert(s) on ${subjects || '-'}${more}`;
}

/** The HTTP request that delivers the notification to the receiver. */
export function notificationRequest(
  target: NotificationTarget,
  payload: NotificationPayload,
  attempt: number,
): NotificationRequest {
  const body =
    target.kind === 'slack' ? JSON.stringify({ text: notificationText(payload) }) : JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    [IDEMPOTENCY_HEADER]: payload.idempotencyKey,
    [DEDUP_HEADER]: payload.dedupKey,
    'x-damon-attempt': String(attempt),
  };
  if (target.kind === 'webhook' && target.secret) headers[SIGNATURE_HEADER] = signBody(target.secret, body);
  return { url: target.url, body, headers };
}
