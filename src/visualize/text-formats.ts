/** Mermaid and Graphviz DOT text for a view graph: both render anywhere those tools are. */
import { FILL, STROKE } from './styles.js';
import type { ViewGraph } from './view-graph.js';

export function toMermaid(view: ViewGraph): string {
  const ids = new Map(view.nodes.map((node, i) => [node.id, `n${i}`]));
  const lines = ['flowchart TB'];
  for (const node of view.nodes) lines.push(`  ${ids.get(node.id)}["${escapeMermaid(node.label)}"]:::${node.state}`);
  for (const edge of view.edges) {
    const label = edge.count > 1 ? `|${edge.count}|` : '';
    lines.push(`  ${ids.get(edge.from)} -->${label} ${ids.get(edge.to)}`);
  }
  const states = new Set(view.nodes.map((node) => node.state));
  for (const state of states) lines.push(`  classDef ${state} fill:${FILL[state]},stroke:${STROKE}`);
  return `${lines.join('\n')}\n`;
}

export function toDot(view: ViewGraph): string {
  const lines = [
    'digraph memograph {',
    '  rankdir=TB;',
    `  node [shape=box, style="rounded,filled", color="${STROKE}", fontname="Helvetica"];`,
  ];
  for (const node of view.nodes) {
    lines.push(`  ${quoteDot(node.id)} [label=${quoteDot(node.label)}, fillcolor="${FILL[node.state]}"];`);
  }
  for (const edge of view.edges) {
    const label = edge.count > 1 ? ` [label="${edge.count}"]` : '';
    lines.push(`  ${quoteDot(edge.from)} -> ${quoteDot(edge.to)}${label};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function escapeMermaid(text: string): string {
  return text.replace(/"/g, '#quot;');
}

function quoteDot(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
