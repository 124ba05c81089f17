import { useQuery, useSubscription } from '@apollo/client/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useSession } from '../auth/session-context';
import { SeverityBadge, StageChips, SubjectRef, VerdictBadge } from '../components/badges';
import { Empty, ErrorState, Loading } from '../components/states';
import { KeysDialog, TextDialog, VerdictDialog } from '../components/triage-dialogs';
import { useTriage } from '../components/use-triage';
import { INCIDENT_OPENED, INCIDENT_UPDATED, QUEUE } from '../graphql/documents';
import type { IncidentOrder, IncidentStatus, Stage, Verdict } from '../gql/graphql';
import { age, lower } from '../lib/format';
import { PAGE_SIZE, parseQueueView, queueFilter, queueSearch, type QueueView } from '../lib/queue-params';

type Dialog = 'verdict' | 'comment' | 'keys' | null;

const STAGE_OPTIONS: Stage[] = ['DATA', 'SIGNALS', 'REPRESENTATIONS'];

export function QueuePage() {
  const session = useSession();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const view = useMemo(() => parseQueueView(search), [search]);
  const setView = (next: Partial<QueueView>, keepPage = false) =>
    setSearch(queueSearch({ ...view, ...(keepPage ? {} : { after: null, page: 1 }), ...next }));

  const { data, previousData, error, loading, refetch } = useQuery(QUEUE, {
    variables: {
      filter: queueFilter(view),
      orderBy: view.sort,
      first: PAGE_SIZE,
      after: view.after,
      names: session.names,
    },
    notifyOnNetworkStatusChange: false,
  });
  const shown = data ?? previousData;
  const rows = useMemo(() => shown?.incidents.edges.map((e) => e.node) ?? [], [shown]);

  // Live: a new or changed incident may enter, leave or move within this page; fetch the page again
  // (at most every 400 ms), and mark what arrived so the eye finds it.
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refresh = useCallback(
    (id: string) => {
      setFresh((s) => new Set(s).add(id));
      if (pending.current) return;
      pending.current = setTimeout(() => {
        pending.current = null;
        void refetch();
      }, 400);
    },
    [refetch],
  );
  useEffect(() => () => void (pending.current && clearTimeout(pending.current)), []);
  useSubscription(INCIDENT_OPENED, {
    onData: ({ data: d }) => d.data && refresh(d.data.incidentOpened.incidentId),
  });
  useSubscription(INCIDENT_UPDATED, {
    variables: { names: session.names },
    onData: ({ data: d }) => d.data && refresh(d.data.incidentUpdated.incidentId),
  });

  const [selected, setSelected] = useState(0);
  useEffect(() => setSelected((s) => Math.min(s, Math.max(0, rows.length - 1))), [rows.length]);
  const current = rows[selected];
  const triage = useTriage();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [flash, setFlash] = useState<string | null>(null);

  const tableRef = useRef<HTMLTableSectionElement>(null);
  useEffect(() => {
    tableRef.current
      ?.querySelector<HTMLElement>(`[data-index="${selected}"]`)
      ?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (dialog || e.metaKey || e.ctrlKey || e.altKey) return;
      const target = e.target as HTMLElement;
      if (target.closest('input, textarea, select, [contenteditable]')) return;
      switch (e.key) {
        case 'j':
          setSelected((s) => Math.min(rows.length - 1, s + 1));
          break;
        case 'k':
          setSelected((s) => Math.max(0, s - 1));
          break;
        case 'Enter':
          if (current && !target.closest('a, button'))
            void navigate(`/incidents/${encodeURIComponent(current.id)}`);
          break;
        case 'a':
          if (current && session.canTriage)
            void triage.acknowledge(current.id).then((ok) => ok && setFlash(`Acknowledged ${current.id}`));
          break;
        case 'v':
          if (current && session.canTriage) setDialog('verdict');
          break;
        case 'c':
          if (current && session.canTriage) setDialog('comment');
          break;
        case '?':
          setDialog('keys');
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [dialog, rows.length, current, session.canTriage, navigate, triage]);

  const closeDialog = () => {
    setDialog(null);
    triage.clearError();
  };
  const total = shown?.incidents.totalCount ?? 0;
  const first = (view.page - 1) * PAGE_SIZE;

  return (
    <section aria-labelledby="queue-title">
      <div className="page-head">
        <h1 id="queue-title">Incident queue</h1>
        <span className="live" title="New and changed incidents arrive without a reload">
          <span className="live-dot" aria-hidden="true" /> live
        </span>
        <button type="button" className="btn btn-ghost keys-hint" onClick={() => setDialog('keys')}>
          <kbd>?</kbd> keys
        </button>
      </div>

      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select
            value={view.status.join(',')}
            onChange={(e) =>
              setView({ status: e.target.value ? (e.target.value.split(',') as IncidentStatus[]) : [] })
            }
          >
            <option value="OPEN">Open</option>
            <option value="RESOLVED">Resolved</option>
            <option value="MERGED">Merged</option>
            <option value="">Any</option>
          </select>
        </label>
        <fieldset className="stage-filter">
          <legend>Stages</legend>
          {STAGE_OPTIONS.map((s) => (
            <label key={s} className={`toggle chip-${lower(s)} ${view.stages.includes(s) ? 'on' : ''}`}>
              <input
                type="checkbox"
                checked={view.stages.includes(s)}
                onChange={(e) =>
                  setView({
                    stages: e.target.checked ? [...view.stages, s] : view.stages.filter((x) => x !== s),
                  })
                }
              />
              {lower(s)}
            </label>
          ))}
        </fieldset>
        <label>
          Verdict
          <select
            value={view.verdict.join(',')}
            onChange={(e) =>
              setView({ verdict: e.target.value ? (e.target.value.split(',') as Verdict[]) : [] })
            }
          >
            <option value="">Any</option>
            <option value="DECEPTIVE">Deceptive</option>
            <option value="BENIGN">Benign</option>
            <option value="INCONCLUSIVE">Inconclusive</option>
          </select>
        </label>
        <label>
          Min severity
          <input
            type="number"
            step="0.5"
            min="0"
            className="narrow"
            defaultValue={view.severityMin ?? ''}
            onBlur={(e) => setView({ severityMin: e.target.value === '' ? null : Number(e.target.value) })}
          />
        </label>
        <label>
          Detector
          <input
            type="text"
            defaultValue={view.detector ?? ''}
            placeholder="any"
            onBlur={(e) => setView({ detector: e.target.value.trim() || null })}
          />
        </label>
        <label>
          Sort
          <select value={view.sort} onChange={(e) => setView({ sort: e.target.value as IncidentOrder })}>
            <option value="SEVERITY_DESC">Severity</option>
            <option value="CREATED_AT_DESC">Newest</option>
            <option value="LAST_ALERT_AT_DESC">Latest alert</option>
          </select>
        </label>
      </form>

      {flash && (
        <div className="notice notice-ok" role="status" onAnimationEnd={() => setFlash(null)}>
          {flash}
        </div>
      )}
      {triage.error && !dialog && (
        <div className="notice notice-error" role="alert">
          {triage.error}
        </div>
      )}

      {error && !shown ? (
        <ErrorState error={error} retry={() => void refetch()} />
      ) : !shown && loading ? (
        <Loading what="incidents" />
      ) : rows.length === 0 ? (
        <Empty>No incidents match this view. New ones will appear here as the correlator opens them.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="queue" aria-label="Incidents">
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Incident</th>
                <th scope="col">Stages</th>
                <th scope="col">Subjects</th>
                <th scope="col">Alerts</th>
                <th scope="col">Age</th>
                {session.names && <th scope="col">Assignee</th>}
                <th scope="col">Ack</th>
                <th scope="col">Verdict</th>
              </tr>
            </thead>
            <tbody ref={tableRef}>
              {rows.map((r, i) => (
                <tr
                  key={r.id}
                  data-index={i}
                  data-incident={r.id}
                  aria-selected={i === selected}
                  className={`${i === selected ? 'selected' : ''} ${fresh.has(r.id) ? 'fresh' : ''}`}
                  onClick={() => setSelected(i)}
                  onDoubleClick={() => void navigate(`/incidents/${encodeURIComponent(r.id)}`)}
                >
                  <td>
                    <SeverityBadge severity={r.severity} />
                  </td>
                  <td>
                    <Link to={`/incidents/${encodeURIComponent(r.id)}`} className="mono">
                      {r.id}
                    </Link>
                  </td>
                  <td>
                    <StageChips stages={r.stages} />
                  </td>
                  <td>
                    <div className="subjects-cell">
                      {r.subjects.slice(0, 3).map((s) => (
                        <SubjectRef key={`${s.kind}:${s.id}`} kind={s.kind} id={s.id} />
                      ))}
                      {r.subjects.length > 3 && <span className="muted"> +{r.subjects.length - 3}</span>}
                    </div>
                  </td>
                  <td className="num">{r.alertCount}</td>
                  <td title={r.createdAt}>{age(r.createdAt)}</td>
                  {session.names && <td>{r.triage.assignee ?? <span className="muted">—</span>}</td>}
                  <td>
                    {r.triage.acknowledged ? (
                      <span className="ack">✓ ack</span>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>
                    <VerdictBadge verdict={r.triage.verdict} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {shown && total > 0 && (
        <nav className="pager" aria-label="Pages">
          <span>
            {first + 1}–{first + rows.length} of {total.toLocaleString('en')}
          </span>
          <button
            type="button"
            className="btn btn-small"
            disabled={view.page <= 1}
            onClick={() => setView({})}
          >
            First page
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={!shown.incidents.pageInfo.hasNextPage}
            onClick={() => setView({ after: shown.incidents.pageInfo.endCursor, page: view.page + 1 }, true)}
          >
            Next page
          </button>
        </nav>
      )}

      {dialog === 'keys' && <KeysDialog onClose={closeDialog} canTriage={session.canTriage} />}
      {dialog === 'verdict' && current && (
        <VerdictDialog
          incidentId={current.id}
          busy={triage.busy}
          error={triage.error}
          onClose={closeDialog}
          onSubmit={(verdict, note) =>
            void triage.setVerdict(current.id, verdict, note).then((ok) => {
              if (ok) {
                closeDialog();
                setFlash(`Verdict ${lower(verdict)} recorded for ${current.id}`);
              }
            })
          }
        />
      )}
      {dialog === 'comment' && current && (
        <TextDialog
          title={`Comment on ${current.id}`}
          label="Comment"
          submitLabel="Add comment"
          required
          busy={triage.busy}
          error={triage.error}
          onClose={closeDialog}
          onSubmit={(body) =>
            void triage.comment(current.id, body).then((ok) => {
              if (ok) {
                closeDialog();
                setFlash(`Comment added to ${current.id}`);
              }
            })
          }
        />
      )}
    </section>
  );
}
