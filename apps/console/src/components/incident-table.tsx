import { Link } from 'react-router';
import type { QueueIncidentFragment } from '../gql/graphql';
import { age, lower } from '../lib/format';
import { SeverityBadge, StageChips, VerdictBadge } from './badges';

/** A plain incident list (an artifact's incidents); the queue has its own, keyboard-driven table. */
export function IncidentTable({ incidents }: { incidents: readonly QueueIncidentFragment[] }) {
  return (
    <table className="queue compact">
      <thead>
        <tr>
          <th scope="col">Severity</th>
          <th scope="col">Incident</th>
          <th scope="col">Status</th>
          <th scope="col">Stages</th>
          <th scope="col">Age</th>
          <th scope="col">Verdict</th>
        </tr>
      </thead>
      <tbody>
        {incidents.map((i) => (
          <tr key={i.id}>
            <td>
              <SeverityBadge severity={i.severity} />
            </td>
            <td>
              <Link className="mono" to={`/incidents/${encodeURIComponent(i.id)}`}>
                {i.id}
              </Link>
            </td>
            <td>{lower(i.status)}</td>
            <td>
              <StageChips stages={i.stages} />
            </td>
            <td>{age(i.createdAt)}</td>
            <td>
              <VerdictBadge verdict={i.triage.verdict} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
