import type { ArtifactKind } from '../gql/graphql';

const KINDS: ArtifactKind[] = ['DATASET', 'RUN', 'MODEL', 'EDIT'];

/**
 * A route's subject matchers typed as text: one per line (or comma), "model m-1" for one artifact or
 * "dataset" for every artifact of the kind. An unknown kind throws with the entry named.
 */
export function parseSubjects(text: string): { kind: ArtifactKind; id?: string }[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [kind = '', ...rest] = s.split(/\s+/);
      const k = kind.toUpperCase() as ArtifactKind;
      if (!KINDS.includes(k))
        throw new Error(
          `Subject “${s}”: the kind must be one of ${KINDS.map((x) => x.toLowerCase()).join(', ')}.`,
        );
      const id = rest.join(' ');
      return id ? { kind: k, id } : { kind: k };
    });
}

/** The matchers as the route table shows them: "model m-1, dataset (any)", or "any" when empty. */
export function subjectsText(subjects: { kind: ArtifactKind; id?: string | null }[]): string {
  return subjects.length === 0
    ? 'any'
    : subjects.map((s) => `${s.kind.toLowerCase()} ${s.id ?? '(any)'}`).join(', ');
}
