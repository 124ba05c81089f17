import { Background, Controls, MarkerType, Position, ReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import ELK from 'elkjs/lib/elk.bundled.js';
import { useEffect, useState } from 'react';
import type { ArtifactKind, LineageRelation } from '../gql/graphql';
import { lower } from '../lib/format';

export interface LineageInput {
  nodes: readonly { kind: ArtifactKind; id: string }[];
  edges: readonly {
    relation: LineageRelation;
    from: { kind: ArtifactKind; id: string };
    to: { kind: ArtifactKind; id: string };
  }[];
  truncated: boolean;
}

const NODE_W = 270;
const NODE_H = 46;
const elk = new ELK();
const key = (n: { kind: ArtifactKind; id: string }) => `${n.kind}:${n.id}`;

/** Left to right as lineage flows (dataset → run → model), laid out by ELK's layered algorithm. */
async function layout(
  graph: LineageInput,
  highlighted: ReadonlySet<string>,
): Promise<{ nodes: Node[]; edges: Edge[] }> {
  const edges = graph.edges.map((e, i) => ({ id: `e${i}`, sources: [key(e.from)], targets: [key(e.to)] }));
  const laid = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '110',
      'elk.spacing.nodeNode': '36',
      'elk.edgeLabels.inline': 'true',
    },
    children: graph.nodes.map((n) => ({ id: key(n), width: NODE_W, height: NODE_H })),
    edges,
  });
  const nodes: Node[] = (laid.children ?? []).map((c) => {
    const [kind, ...rest] = c.id.split(':');
    const alerting = highlighted.has(c.id);
    return {
      id: c.id,
      position: { x: c.x ?? 0, y: c.y ?? 0 },
      data: {
        label: (
          <div className="lg-node-body">
            <span className={`kind kind-${lower(kind)}`}>{lower(kind)}</span>
            <span className="lg-node-id" title={rest.join(':')}>
              {rest.join(':')}
            </span>
            {alerting && (
              <span className="lg-alert" aria-label="alerting">
                alerting
              </span>
            )}
          </div>
        ),
      },
      className: `lg-node lg-${lower(kind)} ${alerting ? 'lg-alerting' : ''}`,
      style: { width: NODE_W, height: NODE_H },
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      draggable: false,
      connectable: false,
    };
  });
  return {
    nodes,
    edges: graph.edges.map((e, i) => ({
      id: `e${i}`,
      source: key(e.from),
      target: key(e.to),
      label: lower(e.relation),
      className: `lg-edge lg-edge-${lower(e.relation)}`,
      labelBgPadding: [6, 3] as [number, number],
      labelBgBorderRadius: 4,
      markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
    })),
  };
}

export default function LineageGraph(props: {
  graph: LineageInput;
  highlighted: readonly { kind: ArtifactKind; id: string }[];
}) {
  const [laid, setLaid] = useState<{ nodes: Node[]; edges: Edge[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    layout(props.graph, new Set(props.highlighted.map(key)))
      .then((l) => live && setLaid(l))
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [props.graph, props.highlighted]);

  if (props.graph.nodes.length === 0)
    return <div className="state state-empty">No lineage is known for these artifacts.</div>;
  if (error) return <div className="state state-error">Could not lay out the graph: {error}</div>;
  if (!laid) return <div className="state state-loading">Laying out the lineage…</div>;
  return (
    <div className="lineage" data-testid="lineage-graph" aria-label="Lineage graph">
      <ReactFlow
        nodes={laid.nodes}
        edges={laid.edges}
        fitView
        fitViewOptions={{ padding: 0.15 }}
        nodesDraggable={false}
        nodesConnectable={false}
        minZoom={0.2}
      >
        <Background gap={20} color="#e5e7eb" />
        <Controls showInteractive={false} />
      </ReactFlow>
      {props.graph.truncated && <p className="muted small">The graph was cut at the API's node limit.</p>}
    </div>
  );
}
