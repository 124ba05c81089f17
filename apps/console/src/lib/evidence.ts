/**
 * An alert's `evidence` JSON turned into what can be drawn. Monitors decide the shape; this reads the
 * shapes they emit today (reference histograms, recent series with a change step, per-layer scores,
 * observed/unobserved pairs) and shows every other scalar as a fact, so an unknown shape still shows.
 */
export type EvidencePanel =
  | { type: 'histogram'; title: string; edges: number[]; counts: number[]; current: number | null }
  | {
      type: 'series';
      title: string;
      points: [number, number][];
      changeAt: number | null;
      referenceMean: number | null;
      referenceSd: number | null;
    }
  | { type: 'layers'; title: string; bars: { layer: string; score: number; pValue: number | null }[] }
  | { type: 'difference'; title: string; items: { label: string; observed: number; unobserved: number }[] };

export interface EvidenceView {
  panels: EvidencePanel[];
  facts: [string, string][];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const numbers = (v: unknown): number[] | null =>
  Array.isArray(v) && v.length > 0 && v.every((x) => num(x) !== null) ? (v as number[]) : null;

function histogram(value: unknown, title: string): EvidencePanel | null {
  if (!isObject(value)) return null;
  const edges = numbers(value.edges);
  const counts = numbers(value.counts);
  if (!edges || !counts || edges.length !== counts.length + 1) return null;
  return { type: 'histogram', title, edges, counts, current: num(value.current) };
}

function series(evidence: Json): EvidencePanel | null {
  const recent = evidence.recent ?? evidence.series;
  if (!Array.isArray(recent)) return null;
  const points: [number, number][] = [];
  recent.forEach((p: unknown, i) => {
    if (isObject(p)) {
      const x = num(p.step) ?? num(p.x) ?? i;
      const y = num(p.value) ?? num(p.y);
      if (y !== null) points.push([x, y]);
    } else if (num(p) !== null) points.push([i, p as number]);
  });
  if (points.length < 2) return null;
  const stream = typeof evidence.stream === 'string' ? evidence.stream : 'signal';
  return {
    type: 'series',
    title: `Training signal: ${stream}`,
    points,
    changeAt: num(evidence.changeStep) ?? num(evidence.changePoint),
    referenceMean: num(evidence.referenceMean),
    referenceSd: num(evidence.referenceSd),
  };
}

function layers(evidence: Json, contrast: boolean): EvidencePanel | null {
  const raw = evidence.topLayers ?? evidence.layers;
  if (!Array.isArray(raw)) return null;
  const bars = raw.flatMap((l: unknown) => {
    if (!isObject(l)) return [];
    const score = num(l.score);
    const layer = typeof l.layer === 'string' ? l.layer : typeof l.name === 'string' ? l.name : null;
    return score !== null && layer !== null ? [{ layer, score, pValue: num(l.pValue) }] : [];
  });
  if (bars.length === 0) return null;
  return {
    type: 'layers',
    title: contrast ? 'Observed vs unobserved difference per layer' : 'Per-layer scores',
    bars,
  };
}

function difference(evidence: Json): EvidencePanel | null {
  const observed = numbers(evidence.observed);
  const unobserved = numbers(evidence.unobserved);
  if (observed && unobserved && observed.length === unobserved.length) {
    const labels = Array.isArray(evidence.labels) ? evidence.labels.map(String) : [];
    return {
      type: 'difference',
      title: 'Paired observed / unobserved',
      items: observed.map((o, i) => ({
        label: labels[i] ?? `#${i + 1}`,
        observed: o,
        unobserved: unobserved[i],
      })),
    };
  }
  const pairs = evidence.pairs;
  if (!Array.isArray(pairs)) return null;
  const items = pairs.flatMap((p: unknown, i) => {
    if (!isObject(p)) return [];
    const o = num(p.observed);
    const u = num(p.unobserved);
    const label =
      typeof p.layer === 'string' ? p.layer : typeof p.itemId === 'string' ? p.itemId : `#${i + 1}`;
    return o !== null && u !== null ? [{ label, observed: o, unobserved: u }] : [];
  });
  return items.length ? { type: 'difference', title: 'Paired observed / unobserved', items } : null;
}

function fact(value: unknown): string | null {
  if (typeof value === 'string') return value.length > 120 ? `${value.slice(0, 117)}…` : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isObject(value) && typeof value.kind === 'string' && typeof value.id === 'string')
    return `${value.kind}:${value.id}`;
  if (
    Array.isArray(value) &&
    value.length <= 8 &&
    value.every((v) => typeof v === 'string' || typeof v === 'number')
  )
    return value.join(', ');
  return null;
}

export function readEvidence(detector: string, evidence: unknown): EvidenceView {
  if (!isObject(evidence)) {
    const f = fact(evidence);
    return { panels: [], facts: f === null ? [] : [['value', f]] };
  }
  const contrast = /contrast|oversight/i.test(detector);
  const hist = evidence.referenceHistogram ?? evidence.histogram ?? evidence.reference;
  const histTitle = contrast
    ? 'Contrast score against the reference distribution'
    : 'Score against the reference distribution';
  const panels = [
    histogram(hist, histTitle),
    series(evidence),
    layers(evidence, contrast),
    difference(evidence),
  ].filter((p): p is EvidencePanel => p !== null);
  const facts: [string, string][] = [];
  for (const [key, value] of Object.entries(evidence)) {
    const f = fact(value);
    if (f !== null) facts.push([key, f]);
  }
  return { panels, facts };
}
