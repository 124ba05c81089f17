import { useState, type FormEvent } from 'react';
import { useSession } from '../auth/session-context';
import type { IncidentQuery, Verdict } from '../gql/graphql';
import { dateTime, detailsText, lower } from '../lib/format';
import { VerdictBadge } from './badges';
import { useTriage } from './use-triage';

type Detail = NonNullable<IncidentQuery['incident']>;

export function TriagePanel({ incident }: { incident: Detail }) {
  const session = useSession();
  const triage = useTriage();
  const [assignee, setAssignee] = useState(incident.triage.assignee ?? '');
  const [verdict, setVerdict] = useState<Verdict>(incident.triage.verdict ?? 'DECEPTIVE');
  const [note, setNote] = useState('');
  const [comment, setComment] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const act = (what: string, action: () => Promise<boolean>, after?: () => void) =>
    void action().then((ok) => {
      if (ok) {
        setDone(what);
        after?.();
      } else setDone(null);
    });
  const submitVerdict = (e: FormEvent) => {
    e.preventDefault();
    act(
      `Verdict ${lower(verdict)} recorded`,
      () => triage.setVerdict(incident.id, verdict, note.trim() || null),
      () => setNote(''),
    );
  };
  const submitComment = (e: FormEvent) => {
    e.preventDefault();
    if (comment.trim())
      act(
        'Comment added',
        () => triage.comment(incident.id, comment.trim()),
        () => setComment(''),
      );
  };
  const open = incident.status === 'OPEN';
  const t = incident.triage;

  return (
    <section className="card triage" aria-labelledby="triage-title">
      <h2 id="triage-title">Triage</h2>
      <dl className="triage-state">
        <div>
          <dt>Acknowledged</dt>
          <dd>
            {t.acknowledged ? `yes, ${dateTime(t.acknowledgedAt)}` : 'no'}
            {session.names && t.acknowledgedBy ? ` by ${t.acknowledgedBy}` : ''}
          </dd>
        </div>
        {session.names && (
          <div>
            <dt>Assignee</dt>
            <dd>{t.assignee ?? '—'}</dd>
          </div>
        )}
        <div>
          <dt>Verdict</dt>
          <dd data-testid="current-verdict">
            <VerdictBadge verdict={t.verdict} />
            {session.names && t.verdictBy ? <span className="muted"> by {t.verdictBy}</span> : null}
            {t.verdictNote && <div className="note">“{t.verdictNote}”</div>}
          </dd>
        </div>
      </dl>

      {session.canTriage ? (
        <div className="triage-controls" data-testid="triage-controls">
          {done && !triage.error && (
            <div className="notice notice-ok" role="status">
              {done}
            </div>
          )}
          {triage.error && (
            <div className="notice notice-error" role="alert">
              {triage.error}
            </div>
          )}
          <div className="row">
            <button
              type="button"
              className="btn"
              disabled={triage.busy || t.acknowledged}
              onClick={() => act('Acknowledged', () => triage.acknowledge(incident.id))}
            >
              {t.acknowledged ? 'Acknowledged' : 'Acknowledge'}
            </button>
            {open ? (
              <button
                type="button"
                className="btn"
                disabled={triage.busy}
                onClick={() => act('Resolved', () => triage.resolve(incident.id, null))}
              >
                Resolve
              </button>
            ) : (
              incident.status === 'RESOLVED' && (
                <button
                  type="button"
                  className="btn"
                  disabled={triage.busy}
                  onClick={() => act('Reopened', () => triage.reopen(incident.id, null))}
                >
                  Reopen
                </button>
              )
            )}
          </div>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              act(assignee.trim() ? `Assigned to ${assignee.trim()}` : 'Unassigned', () =>
                triage.assign(incident.id, assignee.trim() || null),
              );
            }}
          >
            <label htmlFor="assignee" className="sr-only">
              Assignee
            </label>
            <input
              id="assignee"
              type="text"
              placeholder="Assignee"
              value={assignee}
              onChange={(e) => setAssignee(e.target.value)}
            />
            <button type="submit" className="btn" disabled={triage.busy}>
              Assign
            </button>
          </form>
          <form onSubmit={submitVerdict} className="form">
            <fieldset>
              <legend>Verdict</legend>
              <div className="segmented">
                {(['DECEPTIVE', 'BENIGN', 'INCONCLUSIVE'] as const).map((v) => (
                  <label key={v} className={verdict === v ? 'on' : ''}>
                    <input
                      type="radio"
                      name="panel-verdict"
                      value={v}
                      checked={verdict === v}
                      onChange={() => setVerdict(v)}
                    />
                    {lower(v)}
                  </label>
                ))}
              </div>
            </fieldset>
            <label htmlFor="panel-note">Note</label>
            <textarea id="panel-note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
            <button type="submit" className="btn btn-primary" disabled={triage.busy}>
              Record verdict
            </button>
          </form>
          <form onSubmit={submitComment} className="form">
            <label htmlFor="panel-comment">Comment</label>
            <textarea
              id="panel-comment"
              rows={2}
              value={comment}
              onChange={(e) => setComment(e.target.value)}
            />
            <button type="submit" className="btn" disabled={triage.busy || !comment.trim()}>
              Add comment
            </button>
          </form>
        </div>
      ) : (
        <p className="muted small">Your key has the viewer role: triage needs a triager key.</p>
      )}

      <h3>History</h3>
      {incident.triageHistory.length === 0 && incident.comments.length === 0 ? (
        <p className="muted small">Nobody has acted on this incident yet.</p>
      ) : (
        <ol className="history" data-testid="triage-history">
          {incident.triageHistory.map((h) => (
            <li key={h.seq}>
              <time dateTime={h.at}>{dateTime(h.at)}</time> <strong>{h.kind}</strong>
              {session.names && h.actor ? ` by ${h.actor}` : ''}
              <HistoryDetails details={h.details} names={session.names} />
            </li>
          ))}
        </ol>
      )}
      {incident.comments.length > 0 && (
        <>
          <h3>Comments</h3>
          <ul className="comments">
            {incident.comments.map((c) => (
              <li key={c.id}>
                <div className="muted small">
                  {dateTime(c.at)}
                  {session.names && c.author ? ` — ${c.author}` : ''}
                </div>
                <div>{c.body}</div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function HistoryDetails({ details, names }: { details: unknown; names: boolean }) {
  const text = detailsText(details, names);
  return text ? <div className="muted small">{text}</div> : null;
}
