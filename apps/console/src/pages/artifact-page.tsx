import { useQuery } from '@apollo/client/react';
import { lazy, Suspense } from 'react';
import { Link, useParams } from 'react-router';
import { useSession } from '../auth/session-context';
import { SubjectRef } from '../components/badges';
import { IncidentTable } from '../components/incident-table';
import { Empty, ErrorState, Loading } from '../components/states';
import { ARTIFACT } from '../graphql/documents';
import type { ArtifactKind } from '../gql/graphql';
import { dateTime } from '../lib/format';

const LineageGraph = lazy(() => import('../graph/lineage-graph'));

export default function ArtifactPage() {
  const params = useParams();
  const session = useSession();
  const kind = (params.kind ?? '').toUpperCase() as ArtifactKind;
  const id = params.id ?? '';
  const { data, error, loading, refetch } = useQuery(ARTIFACT, {
    variables: { kind, id, names: session.names },
  });
  if (error && !data) return <ErrorState error={error} retry={() => void refetch()} />;
  if (!data && loading) return <Loading what="artifact" />;
  const artifact = data?.artifact;
  if (!artifact)
    return (
      <Empty>
        No such artifact. <Link to="/artifacts">All artifacts</Link>
      </Empty>
    );
  return (
    <article aria-labelledby="artifact-title">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/artifacts">Artifacts</Link> <span aria-hidden="true">›</span> <span>{artifact.id}</span>
      </nav>
      <div className="page-head">
        <h1 id="artifact-title">
          <SubjectRef kind={artifact.kind} id={artifact.id} />
        </h1>
        <span className="muted">first seen {dateTime(artifact.firstSeenAt)}</span>
      </div>
      <section className="card" aria-labelledby="artifact-lineage">
        <h2 id="artifact-lineage">Lineage</h2>
        <Suspense fallback={<Loading what="graph" />}>
          <LineageGraph graph={artifact.lineage} highlighted={[{ kind: artifact.kind, id: artifact.id }]} />
        </Suspense>
      </section>
      <section className="card" aria-labelledby="artifact-incidents">
        <h2 id="artifact-incidents">Incidents</h2>
        {artifact.incidents.length === 0 ? (
          <Empty>No incident concerns this artifact.</Empty>
        ) : (
          <IncidentTable incidents={artifact.incidents} />
        )}
      </section>
    </article>
  );
}
