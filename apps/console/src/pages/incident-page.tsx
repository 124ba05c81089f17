import { useQuery, useSubscription } from '@apollo/client/react';
import { lazy, Suspense, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useSession } from '../auth/session-context';
import { SeverityBadge, StageChips, SubjectRef, VerdictBadge } from '../components/badges';
import { SilenceDialog } from '../components/silence-dialog';
import { ErrorState, Loading } from '../components/states';
import { TriagePanel } from '../components/triage-panel';
import { INCIDENT, INCIDENT_DETAIL_UPDATED } from '../graphql/documents';
import type { IncidentQuery } from '../gql/graphql';
import { readEvidence } from '../lib/evidence';
import { dateTime, detailsText, lower, number } from '../lib/format';

const EvidenceChart = lazy(() => import('../charts/evidence-chart'));
const LineageGraph = lazy(() => import('../graph/lineage-graph'));

type Detail = NonNullable<IncidentQuery['incident']>;
type AlertItem = Detail['alertsByStage'][number]['alerts'][number];

export default function IncidentPage() {
  const { id = '' } = useParams();
  const session = useSession();
  const { data, error, loading, refetch } = useQuery(INCIDENT, { variables: { id, names: session.names } });
  // The API announces updates of this incident; the subscription's payload refreshes the cache.
  useSubscription(INCIDENT_DETAIL_UPDATED, { variables: { id, names: session.names } });
  const [silenceFor, setSilenceFor] = useState<AlertItem | null>(null);

  const incident = data?.incident;
  if (error && !incident) return <ErrorState error={error} retry={() => void refetch()} />;
  if (!incident && loading) return <Loading what="incident" />;
  if (!incident)
    return (
      <div className="state state-empty">
        No incident <code>{id}</code>. <Link to="/">Back to the queue</Link>
      </div>
    );
  return (
    <IncidentView
      incident={incident}
      onSilence={session.canTriage ? setSilenceFor : null}
      silenceFor={silenceFor}
      closeSilence={() => setSilenceFor(null)}
    />
  );
}

function IncidentView(props: {
  incident: Detail;
  onSilence: ((alert: AlertItem) => void) | null;
  silenceFor: AlertItem | null;
  closeSilence: () => void;
}) {
  const { incident } = props;
  const session = useSession();
  const alerts = useMemo(() => incident.alertsByStage.flatMap((s) => s.alerts), [incident]);
  const alerting = useMemo(() => incident.subjects, [incident]);
  return (
    <article className="incident" aria-labelledby="incident-title">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/">Queue</Link> <span aria-hidden="true">›</span> <span>{incident.id}</span>
      </nav>
      <header className="incident-head">
        <SeverityBadge severity={incident.severity} />
        <h1 id="incident-title" className="mono">
          {incident.id}
        </h1>
        <span className={`status status-${lower(incident.status)}`}>{lower(incident.status)}</span>
        <StageChips stages={incident.stages} />
        <VerdictBadge verdict={incident.triage.verdict} />
      </header>
      <dl className="facts-row">
        <div>
          <dt>Alerts</dt>
          <dd>{incident.alertCount}</dd>
        </div>
        <div>
          <dt>First alert</dt>
          <dd>{dateTime(incident.firstAlertAt)}</dd>
        </div>
        <div>
          <dt>Last alert</dt>
          <dd>{dateTime(incident.lastAlertAt)}</dd>
        </div>
        <div>
          <dt>Subjects</dt>
          <dd className="subjects-cell">
            {incident.subjects.map((s) => (
              <Link key={`${s.kind}:${s.id}`} to={`/artifacts/${lower(s.kind)}/${encodeURIComponent(s.id)}`}>
                <SubjectRef kind={s.kind} id={s.id} />
              </Link>
            ))}
          </dd>
        </div>
        {incident.mergedInto && (
          <div>
            <dt>Merged into</dt>
            <dd>
              <Link to={`/incidents/${encodeURIComponent(incident.mergedInto)}`}>{incident.mergedInto}</Link>
            </dd>
          </div>
        )}
      </dl>

      <div className="incident-grid">
        <div className="incident-main">
          <section className="card" aria-labelledby="lineage-title">
            <h2 id="lineage-title">Lineage</h2>
            <p className="muted small">
              Datasets, runs and models around the incident; the artifacts its alerts concern are highlighted.
            </p>
            <Suspense fallback={<Loading what="graph" />}>
              <LineageGraph graph={incident.lineage} highlighted={alerting} />
            </Suspense>
          </section>

          <section className="card" aria-labelledby="alerts-title">
            <h2 id="alerts-title">Alerts and evidence</h2>
            {incident.alertsByStage.map((group) => (
              <div key={group.stage} className="stage-group">
                <h3>
                  <StageChips stages={[group.stage]} />{' '}
                  <span className="muted small">
                    {group.alertCount} alert{group.alertCount === 1 ? '' : 's'}
                    {group.alertCount > group.alerts.length ? ` (latest ${group.alerts.length} shown)` : ''}
                  </span>
                </h3>
                {group.alerts.map((a) => (
                  <AlertCard key={a.alertId} alert={a} onSilence={props.onSilence} />
                ))}
              </div>
            ))}
          </section>

          <section className="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">Timeline</h2>
            <Timeline incident={incident} alerts={alerts} names={session.names} />
          </section>
        </div>
        <aside className="incident-side">
          <TriagePanel incident={incident} />
        </aside>
      </div>
      {props.silenceFor && <SilenceDialog alert={props.silenceFor} onClose={props.closeSilence} />}
    </article>
  );
}

function AlertCard({ alert, onSilence }: { alert: AlertItem; onSilence: ((a: AlertItem) => void) | null }) {
  const view = useMemo(() => readEvidence(alert.detector, alert.evidence), [alert]);
  return (
    <div className="alert-card" data-alert={alert.alertId}>
      <div className="alert-head">
        <strong className="mono">{alert.detector}</strong>
        <SubjectRef kind={alert.subject.kind} id={alert.subject.id} />
        <span className="muted small">
          p = {number(alert.pValue)} (α {number(alert.alpha)}) · score {number(alert.score)} ·{' '}
          {dateTime(alert.occurredAt)}
        </span>
        {alert.status !== 'CORRELATED' && <span className="tag">{lower(alert.status)}</span>}
        {onSilence && (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => onSilence(alert)}>
            Silence…
          </button>
        )}
      </div>
      {view.panels.length > 0 && (
        <div className="charts">
          <Suspense fallback={<Loading what="chart" />}>
            {view.panels.map((p, i) => (
              <EvidenceChart key={i} panel={p} />
            ))}
          </Suspense>
        </div>
      )}
      {view.facts.length > 0 && (
        <dl className="evidence-facts">
          {view.facts.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
      {view.panels.length === 0 && view.facts.length === 0 && (
        <p className="muted small">No evidence recorded.</p>
      )}
    </div>
  );
}

function Timeline({ incident, alerts, names }: { incident: Detail; alerts: AlertItem[]; names: boolean }) {
  // The audit log, with each alert placed at its event time: the story across stages in one column.
  const entries = [
    ...incident.timeline.map((t) => ({
      at: t.at,
      key: `t${t.seq}`,
      kind: t.kind,
      actor: t.actor ?? null,
      stage: null as string | null,
      text: detailsText(t.details, names),
    })),
    ...alerts.map((a) => ({
      at: a.occurredAt,
      key: `a${a.alertId}`,
      kind: 'alert',
      actor: null,
      stage: lower(a.stage),
      text: `${a.detector} on ${lower(a.subject.kind)} ${a.subject.id} (p = ${number(a.pValue)})`,
    })),
  ].sort((x, y) => Date.parse(x.at) - Date.parse(y.at));
  return (
    <ol className="timeline">
      {entries.map((e) => (
        <li key={e.key} className={`tl-${e.stage ?? 'audit'}`}>
          <time dateTime={e.at}>{dateTime(e.at)}</time>
          <span className={`tl-kind ${e.stage ? `chip chip-${e.stage}` : ''}`}>
            {e.stage ?? e.kind.replace(/_/g, ' ')}
          </span>
          <span className="tl-text">
            {e.text}
            {names && e.actor && <span className="muted"> — {e.actor}</span>}
          </span>
        </li>
      ))}
    </ol>
  );
}
