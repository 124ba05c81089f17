import type { ArtifactKind, Stage, Verdict } from '../gql/graphql';
import { lower, number, severityBand } from '../lib/format';

const STAGE_LABEL: Record<Stage, string> = {
  DATA: 'data',
  SIGNALS: 'signals',
  REPRESENTATIONS: 'representations',
};

export function StageChips({ stages }: { stages: readonly Stage[] }) {
  return (
    <span className="chips">
      {(['DATA', 'SIGNALS', 'REPRESENTATIONS'] as const)
        .filter((s) => stages.includes(s))
        .map((s) => (
          <span key={s} className={`chip chip-${lower(s)}`}>
            {STAGE_LABEL[s]}
          </span>
        ))}
    </span>
  );
}

export function SeverityBadge({ severity }: { severity: number }) {
  const band = severityBand(severity);
  return (
    <span className={`sev sev-${band}`} title={`severity ${severity} (${band})`}>
      {number(severity, 1)}
    </span>
  );
}

export function VerdictBadge({ verdict }: { verdict: Verdict | null | undefined }) {
  if (!verdict) return <span className="muted">—</span>;
  return <span className={`verdict verdict-${lower(verdict)}`}>{lower(verdict)}</span>;
}

export function SubjectRef({ kind, id }: { kind: ArtifactKind; id: string }) {
  return (
    <span className="subject">
      <span className={`kind kind-${lower(kind)}`}>{lower(kind)}</span>
      <span className="subject-id">{id}</span>
    </span>
  );
}
