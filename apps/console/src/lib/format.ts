/** "3m", "5h", "2d": how long ago `iso` was, from `now`. */
export function age(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)} UTC`;
}

export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

export function lower(value: string): string {
  return value.toLowerCase();
}

export function number(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && Math.abs(value) < 10 ** -digits) return value.toExponential(1);
  return Number(value.toFixed(digits)).toString();
}

/** Severity bands shared by the badge colours and the legend. */
export function severityBand(severity: number): 'critical' | 'high' | 'medium' | 'low' {
  if (severity >= 20) return 'critical';
  if (severity >= 10) return 'high';
  if (severity >= 5) return 'medium';
  return 'low';
}

/** Audit details that name people (assignee, author…): left out for a key that may not see names. */
const NAME_KEYS = /^(assignee|author|actor|by|.*By)$/;

/** The scalar details of an audit entry as `key: value` text, names only when `names`. */
export function detailsText(details: unknown, names: boolean): string {
  if (typeof details !== 'object' || details === null) return '';
  return Object.entries(details as Record<string, unknown>)
    .filter(
      ([k, v]) =>
        (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') &&
        (names || !NAME_KEYS.test(k)),
    )
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(' · ');
}
