import { useQuery } from '@apollo/client/react';
import { Link, useSearchParams } from 'react-router';
import { SubjectRef } from '../components/badges';
import { Empty, ErrorState, Loading } from '../components/states';
import { ARTIFACTS } from '../graphql/documents';
import type { ArtifactKind } from '../gql/graphql';
import { dateTime, lower } from '../lib/format';

const KINDS: ArtifactKind[] = ['DATASET', 'RUN', 'MODEL', 'EDIT'];

export default function ArtifactsPage() {
  const [search, setSearch] = useSearchParams();
  const kindParam = (search.get('kind') ?? '').toUpperCase();
  const kind = (KINDS as string[]).includes(kindParam) ? (kindParam as ArtifactKind) : null;
  const prefix = search.get('q') ?? '';
  const after = search.get('after');
  const { data, previousData, error, loading, refetch } = useQuery(ARTIFACTS, {
    variables: { filter: { ...(kind ? { kind } : {}), ...(prefix ? { idPrefix: prefix } : {}) }, after },
  });
  const shown = data ?? previousData;
  const update = (next: Record<string, string | null>) => {
    const out = new URLSearchParams(search);
    for (const [k, v] of Object.entries(next)) {
      if (v) out.set(k, v);
      else out.delete(k);
    }
    if (!('after' in next)) out.delete('after');
    setSearch(out);
  };
  return (
    <section aria-labelledby="artifacts-title">
      <div className="page-head">
        <h1 id="artifacts-title">Artifacts</h1>
        <span className="muted">Datasets, training runs, models and edits the platform has seen</span>
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          Kind
          <select value={kind ?? ''} onChange={(e) => update({ kind: e.target.value.toLowerCase() || null })}>
            <option value="">Any</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {lower(k)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Id starts with
          <input
            type="search"
            defaultValue={prefix}
            onBlur={(e) => update({ q: e.target.value.trim() || null })}
            onKeyDown={(e) => e.key === 'Enter' && update({ q: e.currentTarget.value.trim() || null })}
          />
        </label>
      </form>
      {error && !shown ? (
        <ErrorState error={error} retry={() => void refetch()} />
      ) : !shown && loading ? (
        <Loading what="artifacts" />
      ) : !shown || shown.artifacts.edges.length === 0 ? (
        <Empty>No artifacts match.</Empty>
      ) : (
        <>
          <table className="queue compact">
            <thead>
              <tr>
                <th scope="col">Artifact</th>
                <th scope="col">First seen</th>
              </tr>
            </thead>
            <tbody>
              {shown.artifacts.edges.map(({ node }) => (
                <tr key={`${node.kind}:${node.id}`}>
                  <td>
                    <Link to={`/artifacts/${lower(node.kind)}/${encodeURIComponent(node.id)}`}>
                      <SubjectRef kind={node.kind} id={node.id} />
                    </Link>
                  </td>
                  <td>{dateTime(node.firstSeenAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="pager" aria-label="Pages">
            <span>{shown.artifacts.totalCount.toLocaleString('en')} artifacts</span>
            <button
              type="button"
              className="btn btn-small"
              disabled={!after}
              onClick={() => update({ after: null })}
            >
              First page
            </button>
            <button
              type="button"
              className="btn btn-small"
              disabled={!shown.artifacts.pageInfo.hasNextPage}
              onClick={() => update({ after: shown.artifacts.pageInfo.endCursor })}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
