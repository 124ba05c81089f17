import { useQuery } from '@apollo/client/react';
import { SubjectRef } from '../components/badges';
import { Empty, ErrorState, Loading } from '../components/states';
import { DETECTOR_STATS } from '../graphql/documents';

export default function DetectorsPage() {
  const { data, error, loading, refetch } = useQuery(DETECTOR_STATS, { variables: {} });
  return (
    <section aria-labelledby="detectors-title">
      <div className="page-head">
        <h1 id="detectors-title">Detectors</h1>
        <span className="muted">
          Precision = deceptive / (deceptive + benign) over judged incidents; inconclusive verdicts stay out
        </span>
      </div>
      {error && !data ? (
        <ErrorState error={error} retry={() => void refetch()} />
      ) : !data && loading ? (
        <Loading what="detector statistics" />
      ) : !data || data.detectorStats.length === 0 ? (
        <Empty>No alerts recorded yet.</Empty>
      ) : (
        <table className="queue compact">
          <thead>
            <tr>
              <th scope="col">Detector</th>
              <th scope="col">Subject</th>
              <th scope="col" className="num">
                Alerts
              </th>
              <th scope="col" className="num">
                Incidents
              </th>
              <th scope="col" className="num">
                Deceptive
              </th>
              <th scope="col" className="num">
                Benign
              </th>
              <th scope="col" className="num">
                Inconclusive
              </th>
              <th scope="col">Precision</th>
            </tr>
          </thead>
          <tbody>
            {data.detectorStats.map((d) => (
              <tr key={`${d.detector}|${d.subject.kind}:${d.subject.id}`}>
                <td className="mono">{d.detector}</td>
                <td>
                  <SubjectRef kind={d.subject.kind} id={d.subject.id} />
                </td>
                <td className="num">{d.alertCount}</td>
                <td className="num">{d.incidentCount}</td>
                <td className="num">{d.deceptive}</td>
                <td className="num">{d.benign}</td>
                <td className="num">{d.inconclusive}</td>
                <td>
                  {d.precision === null || d.precision === undefined ? (
                    <span className="muted">no verdicts</span>
                  ) : (
                    <span className="precision">
                      <span className="precision-bar" aria-hidden="true">
                        <span style={{ width: `${Math.round(d.precision * 100)}%` }} />
                      </span>
                      {(d.precision * 100).toFixed(0)}%
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
