import { createHmac } from 'node:crypto';
import type { NotificationPayload } from '@damon/persistence';
import { describe, expect, it } from 'vitest';
import { notificationRequest } from './notification-request';

const payload: NotificationPayload = {
  schemaVersion: 1,
  idempotencyKey: 'inc_1:v2:opened',
  dedupKey: 'damon:inc_1',
  receiver: 'oncall',
  status: 'firing',
  change: 'opened',
  repeat: false,
  occurredAt: '2026-01-01T00:00:00.000Z',
  incident: {
    id: 'inc_1',
    severity: 3.5,
    stages: ['data'],
    subjects: [{ kind: 'dataset', id: 'ds-1' }],
    alertCount: 2,
  },
};

describe('notificationRequest', () => {
  it('signs a webhook body with HMAC-SHA256 of the body and sends the keys as headers', () => {
    const r = notificationRequest({ kind: 'webhook', url: 'http://x/h', secret: 's3cret' }, payload, 2);
    expect(JSON.parse(r.body)).toEqual(payload);
    expect(r.headers['x-damon-signature']).toBe(
      `sha256=${createHmac('sha256', 's3cret').update(r.body).digest('hex')}`,
    );
    expect(r.headers['idempotency-key']).toBe('inc_1:v2:opened');
    expect(r.headers['x-damon-dedup-key']).toBe('damon:inc_1');
    expect(r.headers['x-damon-attempt']).toBe('2');
  });

  it('leaves a webhook without secret unsigned', () => {
    const r = notificationRequest({ kind: 'webhook', url: 'http://x/h', secret: null }, payload, 1);
    expect(r.headers['x-damon-signature']).toBeUndefined();
  });

  it('sends a Slack-compatible {"text"} body', () => {
    const r = notificationRequest({ kind: 'slack', url: 'http://x/s', secret: null }, payload, 1);
    const body = JSON.parse(r.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['text']);
    expect(body.text).toContain('inc_1');
    expect(body.text).toContain('OPENED');
    const resolved = notificationRequest(
      { kind: 'slack', url: 'http://x/s', secret: null },
      { ...payload, status: 'resolved', change: 'resolved' },
      1,
    );
    expect((JSON.parse(resolved.body) as { text: string }).text).toContain('RESOLVED');
  });
});
