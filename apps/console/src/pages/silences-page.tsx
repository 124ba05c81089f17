import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useSession } from '../auth/session-context';
import { Empty, ErrorState, Loading } from '../components/states';
import { EXPIRE_SILENCE, SILENCES } from '../graphql/documents';
import { dateTime, lower } from '../lib/format';
import { errorMessage } from '../lib/graphql-errors';

export default function SilencesPage() {
  const session = useSession();
  const [search, setSearch] = useSearchParams();
  const which = search.get('show') === 'all' ? 'all' : 'active';
  const { data, error, loading, refetch } = useQuery(SILENCES, {
    variables: { active: which === 'all' ? null : true, names: session.names },
  });
  const [expire, expiring] = useMutation(EXPIRE_SILENCE, { refetchQueries: ['Silences'] });
  const [refused, setRefused] = useState<string | null>(null);
  return (
    <section aria-labelledby="silences-title">
      <div className="page-head">
        <h1 id="silences-title">Silences</h1>
        <span className="muted">Create one from an incident’s alert (“Silence…”)</span>
      </div>
      <div className="filters">
        <div className="segmented" role="radiogroup" aria-label="Show">
          {(['active', 'all'] as const).map((w) => (
            <label key={w} className={which === w ? 'on' : ''}>
              <input
                type="radio"
                name="show"
                checked={which === w}
                onChange={() => setSearch(w === 'all' ? { show: 'all' } : {})}
              />
              {w}
            </label>
          ))}
        </div>
      </div>
      {refused && (
        <div className="notice notice-error" role="alert">
          {refused}
        </div>
      )}
      {error && !data ? (
        <ErrorState error={error} retry={() => void refetch()} />
      ) : !data && loading ? (
        <Loading what="silences" />
      ) : !data || data.silences.length === 0 ? (
        <Empty>No {which === 'active' ? 'active ' : ''}silences.</Empty>
      ) : (
        <table className="queue compact">
          <thead>
            <tr>
              <th scope="col">Matches</th>
              <th scope="col">From</th>
              <th scope="col">Until</th>
              <th scope="col">Why</th>
              {session.names && <th scope="col">By</th>}
              <th scope="col">State</th>
              {session.canTriage && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {data.silences.map((s) => (
              <tr key={s.id}>
                <td>
                  {[
                    s.detector && `detector ${s.detector}`,
                    s.stage && `stage ${lower(s.stage)}`,
                    s.subjectKind && `${lower(s.subjectKind)}${s.subjectId ? ` ${s.subjectId}` : ''}`,
                    !s.subjectKind && s.subjectId && `subject ${s.subjectId}`,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </td>
                <td>{dateTime(s.startsAt)}</td>
                <td>{dateTime(s.endsAt)}</td>
                <td>{s.comment}</td>
                {session.names && <td>{s.author}</td>}
                <td>
                  {s.active ? (
                    <span className="tag tag-on">active</span>
                  ) : (
                    <span className="muted">ended</span>
                  )}
                </td>
                {session.canTriage && (
                  <td>
                    {s.active && (
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={expiring.loading}
                        onClick={() => {
                          setRefused(null);
                          void expire({ variables: { id: s.id } }).catch((e: unknown) =>
                            setRefused(errorMessage(e)),
                          );
                        }}
                      >
                        Expire
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
