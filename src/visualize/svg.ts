/**
 * An SVG picture of a view graph, laid out by dagre (the layered-graph layout
 * the JavaScript ecosystem uses; pure JS, so a picture needs no Graphviz
 * install — the DOT text is there for those who have it).
 */
import dagre from '@dagrejs/dagre';
import { FILL, STROKE } from './styles.js';
import type { ViewGraph } from './view-graph.js';

const CHAR_WIDTH = 7.2; // 12px Helvetica, on average
const NODE_HEIGHT = 30;
const PADDING = 16;

export function toSvg(view: ViewGraph): string {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 40, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of view.nodes) {
    graph.setNode(node.id, { width: node.label.length * CHAR_WIDTH + PADDING, height: NODE_HEIGHT });
  }
  for (const edge of view.edges) graph.setEdge(edge.from, edge.to);
  dagre.layout(graph);

  const { width = 0, height = 0 } = graph.graph();
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${STROKE}"/></marker></defs>`,
  ];
  for (const edge of view.edges) {
    const points: { x: number; y: number }[] = graph.edge(edge.from, edge.to)?.points ?? [];
    const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    parts.push(`<path class="edge" d="${d}" fill="none" stroke="${STROKE}" marker-end="url(#arrow)"/>`);
    if (edge.count > 1 && points.length > 0) {
      const mid = points[Math.floor(points.length / 2)]!;
      parts.push(`<text x="${(mid.x + 4).toFixed(1)}" y="${mid.y.toFixed(1)}" fill="${STROKE}">${edge.count}</text>`);
    }
  }
  for (const node of view.nodes) {
    const box = graph.node(node.id);
    const x = box.x - box.width / 2;
    const y = box.y - box.height / 2;
    parts.push(
      `<g class="node ${node.state}" data-id="${escapeXml(node.id)}"><title>${escapeXml(node.id)}</title>` +
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${box.width.toFixed(1)}" height="${box.height}" rx="6" fill="${FILL[node.state]}" stroke="${STROKE}"/>` +
        `<text x="${box.x.toFixed(1)}" y="${(box.y + 4).toFixed(1)}" text-anchor="middle">${escapeXml(node.label)}</text></g>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
