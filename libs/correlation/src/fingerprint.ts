import { createHash } from 'node:crypto';
import type { StageAlert } from '@damon/contracts';

/**
 * What makes two alerts "the same finding": detector, subject and window. Window bounds are
 * normalised to milliseconds so `…:00Z` and `…:00.000+00:00` agree.
 */
export function alertFingerprint(alert: Pick<StageAlert, 'detector' | 'subject' | 'window'>): string {
  const canonical = JSON.stringify([
    alert.detector,
    alert.subject.kind,
    alert.subject.id,
    Date.parse(alert.window.from),
    Date.parse(alert.window.to),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}
