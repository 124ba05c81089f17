import type { IncidentFilter, IncidentOrder, IncidentStatus, Stage, Verdict } from '../gql/graphql';

/** The queue's view, as it lives in the URL's query string (a shared link opens the same view). */
export interface QueueView {
  status: IncidentStatus[];
  stages: Stage[];
  verdict: Verdict[];
  severityMin: number | null;
  detector: string | null;
  subject: { kind: 'DATASET' | 'RUN' | 'MODEL' | 'EDIT'; id: string } | null;
  sort: IncidentOrder;
  after: string | null;
  page: number;
}

export const PAGE_SIZE = 25;
const STATUSES: readonly IncidentStatus[] = ['OPEN', 'RESOLVED', 'MERGED'];
const STAGES: readonly Stage[] = ['DATA', 'SIGNALS', 'REPRESENTATIONS'];
const VERDICTS: readonly Verdict[] = ['DECEPTIVE', 'BENIGN', 'INCONCLUSIVE'];
const SORTS: readonly IncidentOrder[] = ['SEVERITY_DESC', 'CREATED_AT_DESC', 'LAST_ALERT_AT_DESC'];
const KINDS = ['DATASET', 'RUN', 'MODEL', 'EDIT'] as const;

function list<T extends string>(raw: string | null, allowed: readonly T[]): T[] {
  if (!raw) return [];
  return raw
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s): s is T => (allowed as readonly string[]).includes(s));
}

/** Unknown or malformed values fall back to the defaults: open incidents, most severe first. */
export function parseQueueView(search: URLSearchParams): QueueView {
  const status = search.has('status') ? list(search.get('status'), STATUSES) : ['OPEN' as const];
  const sev = Number(search.get('sev'));
  const sort = (search.get('sort') ?? '').toUpperCase();
  const subject = /^([a-z]+):(.+)$/i.exec(search.get('subject') ?? '');
  const subjectKind = subject?.[1].toUpperCase();
  const page = Number(search.get('p'));
  return {
    status,
    stages: list(search.get('stage'), STAGES),
    verdict: list(search.get('verdict'), VERDICTS),
    severityMin: search.get('sev') !== null && Number.isFinite(sev) ? sev : null,
    detector: search.get('detector') || null,
    subject:
      subject && (KINDS as readonly string[]).includes(subjectKind!)
        ? { kind: subjectKind as (typeof KINDS)[number], id: subject[2] }
        : null,
    sort: (SORTS as readonly string[]).includes(sort) ? (sort as IncidentOrder) : 'SEVERITY_DESC',
    after: search.get('after') || null,
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** Only what differs from the defaults is written, so the plain URL is the default view. */
export function queueSearch(view: QueueView): URLSearchParams {
  const out = new URLSearchParams();
  if (!(view.status.length === 1 && view.status[0] === 'OPEN')) out.set('status', view.status.join(','));
  if (view.stages.length) out.set('stage', view.stages.join(','));
  if (view.verdict.length) out.set('verdict', view.verdict.join(','));
  if (view.severityMin !== null) out.set('sev', String(view.severityMin));
  if (view.detector) out.set('detector', view.detector);
  if (view.subject) out.set('subject', `${view.subject.kind.toLowerCase()}:${view.subject.id}`);
  if (view.sort !== 'SEVERITY_DESC') out.set('sort', view.sort);
  if (view.after) {
    out.set('after', view.after);
    out.set('p', String(view.page));
  }
  return out;
}

export function queueFilter(view: QueueView): IncidentFilter {
  return {
    ...(view.status.length ? { status: view.status } : {}),
    ...(view.stages.length ? { stages: view.stages } : {}),
    ...(view.verdict.length ? { verdict: view.verdict } : {}),
    ...(view.severityMin !== null ? { severityMin: view.severityMin } : {}),
    ...(view.detector ? { detector: view.detector } : {}),
    ...(view.subject ? { subject: view.subject } : {}),
  };
}
