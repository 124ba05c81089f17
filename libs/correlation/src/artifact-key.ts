import type { ArtifactKind, ArtifactRef } from '@damon/contracts';

/** `kind:id`. Kinds never contain ':', so the first ':' splits the key unambiguously. */
export type ArtifactKey = string;

export function artifactKey(ref: ArtifactRef): ArtifactKey {
  return `${ref.kind}:${ref.id}`;
}

export function parseArtifactKey(key: ArtifactKey): ArtifactRef {
  const colon = key.indexOf(':');
  return { kind: key.slice(0, colon) as ArtifactKind, id: key.slice(colon + 1) };
}
