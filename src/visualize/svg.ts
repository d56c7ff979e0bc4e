/**
 * An SVG picture of a view graph, laid out by dagre (the layered-graph layout
 * the JavaScript ecosystem uses; pure JS, so a picture needs no Graphviz
 * install — the DOT text is there for those who have it). Top to bottom, unless
 * that comes out as a long strip (many calls side by side): then left to right,
 * when that fits a page better. A legend under the graph says what its colours mean.
 */
import dagre from '@dagrejs/dagre';
import { FILL, LEGEND_ORDER, MEANING, STROKE } from './styles.js';
import type { ViewGraph } from './view-graph.js';

const CHAR_WIDTH = 7.2; // 12px Helvetica, on average
const NODE_HEIGHT = 30;
const PADDING = 16;

/** Wider than this, and more than twice as wide as tall, a picture is tried the other way round. */
const PAGE_WIDTH = 1200;
const LEGEND_ROW = 22;

type Layout = InstanceType<typeof dagre.graphlib.Graph>;

function laidOut(view: ViewGraph, rankdir: 'TB' | 'LR'): Layout {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir, nodesep: 24, ranksep: 40, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of view.nodes) {
    graph.setNode(node.id, { width: node.label.length * CHAR_WIDTH + PADDING, height: NODE_HEIGHT });
  }
  for (const edge of view.edges) graph.setEdge(edge.from, edge.to);
  dagre.layout(graph);
  return graph;
}

function sizeOf(graph: Layout): { width: number; height: number } {
  const { width = 0, height = 0 } = graph.graph();
  return { width, height };
}

/**
 * `fitPage`: for a picture to be read as a page (a file, a document) rather than in a
 * wide box that scales it to its width, as the dashboard's does.
 */
export function toSvg(view: ViewGraph, options: { fitPage?: boolean } = {}): string {
  let graph = laidOut(view, 'TB');
  const tall = sizeOf(graph);
  if (options.fitPage && tall.width > PAGE_WIDTH && tall.width > 2 * tall.height) {
    const wide = laidOut(view, 'LR');
    const across = sizeOf(wide);
    if (Math.max(across.width, across.height) < Math.max(tall.width, tall.height)) graph = wide;
  }
  const { width: graphWidth, height: graphHeight } = sizeOf(graph);
  // Only a picture coloured by a run has something to explain; a plain one is all white.
  const coloured = view.nodes.some((node) => node.state !== 'unknown');
  const legend = coloured ? legendOf(view, graphHeight) : { svg: '', width: 0, height: 0 };
  const width = Math.ceil(Math.max(graphWidth, legend.width));
  const height = Math.ceil(graphHeight + legend.height);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
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
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${box.width.toFixed(1)}" height="${box.height}" rx="6" fill="${FILL[node.state]}" stroke="${STROKE}"${coloured && node.state === 'unknown' ? ' stroke-dasharray="3 2"' : ''}/>` +
        `<text x="${box.x.toFixed(1)}" y="${(box.y + 4).toFixed(1)}" text-anchor="middle">${escapeXml(node.label)}</text></g>`,
    );
  }
  parts.push(legend.svg, '</svg>');
  return `${parts.join('\n')}\n`;
}

/** A row of swatches for the states the picture shows, below it at `top`. */
function legendOf(view: ViewGraph, top: number): { svg: string; width: number; height: number } {
  const shown = new Set(view.nodes.map((node) => node.state));
  let x = 12;
  const items: string[] = [];
  for (const state of LEGEND_ORDER) {
    if (!shown.has(state)) continue;
    const text = MEANING[state];
    items.push(
      `<rect x="${x}" y="${top + 4}" width="14" height="14" rx="3" fill="${FILL[state]}" stroke="${STROKE}"${state === 'unknown' ? ' stroke-dasharray="3 2"' : ''}/>` +
        `<text x="${x + 20}" y="${top + 15}">${escapeXml(text)}</text>`,
    );
    x += 20 + text.length * CHAR_WIDTH + 16;
  }
  return { svg: `<g class="legend">${items.join('')}</g>`, width: x, height: LEGEND_ROW + 6 };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
