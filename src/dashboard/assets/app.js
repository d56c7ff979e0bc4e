// The dashboard page: listens to the server's event stream and redraws. It only
// reads; nothing here can reach the run.
//
// It shows one run at a time: the latest, following each newer run as it starts,
// until the user picks an earlier one in the run selector (picking the latest
// follows again). Everything shown is that run's, except the totals, which say so.

const STREAM_KEEP = 2000;
const LANE_HEIGHT = 22;
const AXIS_HEIGHT = 18;
const LABEL_WIDTH = 80;
const SVG_NS = 'http://www.w3.org/2000/svg';
const STATES = ['done', 'cached', 'running', 'failed', 'skipped'];

const $ = (id) => document.getElementById(id);
// graphFit: a picture wider than its box is shrunk to its width, until asked for actual size.
// graphScale: set once the picture is zoomed (wheel) rather than fitted or at actual size.
// run: the run shown; latest: the latest run's number; pinned: the run the user picked, while it is not the latest.
const view = { run: 0, latest: undefined, pinned: undefined, stream: [], dropped: 0, failures: [], graphPicture: '', graphStates: {}, graphFit: true, graphScale: undefined };

/**
 * A colour per function, the same in every lane and row. Hashing names to hues put three
 * of four functions in one purple, so functions take colours in the order the page meets
 * them: eight hues far apart (none red: red marks failures), then the same hues darker
 * and lighter.
 */
const HUES = [210, 35, 150, 280, 55, 185, 320, 100];
const colours = new Map();
function colourOf(name) {
  let colour = colours.get(name);
  if (colour === undefined) {
    const i = colours.size;
    const lightness = [52, 36, 68][Math.floor(i / HUES.length) % 3];
    colour = `hsl(${HUES[i % HUES.length]} 55% ${lightness}%)`;
    colours.set(name, colour);
  }
  return colour;
}

function seconds(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function megabytes(bytes) {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function svgElement(tag, attributes) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

function stateBar(states, total) {
  const bar = element('div', undefined, 'bar');
  for (const state of STATES) {
    const seg = element('span', undefined, `seg ${state}`);
    seg.style.width = `${total === 0 ? 0 : (100 * (states[state] ?? 0)) / total}%`;
    seg.title = `${state}: ${states[state] ?? 0}`;
    bar.append(seg);
  }
  return bar;
}

/** A clicked task: what the server knows of it, under the stream. */
async function showTask(cid, run, startedAt) {
  const panel = $('task-detail');
  const response = await fetch(`/api/task?run=${run}&cid=${encodeURIComponent(cid)}`);
  if (!response.ok) return;
  const task = await response.json();
  const rows = [
    ['CID', task.cid],
    ['function', task.function],
    ...(task.point ? [['point', task.point]] : []),
    ...task.attempts.map((a, i) => [
      task.attempts.length > 1 ? `attempt ${i + 1}` : 'ran',
      `${a.worker === 0 ? 'main thread' : `worker ${a.worker}`}, from ${seconds(a.start - startedAt)} for ${seconds(a.durationMs)}${a.failed ? ', failed' : ''}`,
    ]),
    ...(task.args ?? []).map((arg, i) => [`argument ${i}`, arg]),
  ];
  const list = element('dl');
  for (const [term, text] of rows) list.append(element('dt', term), element('dd', text));
  const parts = [element('h3', task.name), list];
  if (task.failure) {
    parts.push(element('p', `${task.failure.code}: ${task.failure.message}`, 'error'));
    if (task.failure.stack) parts.push(element('pre', task.failure.stack));
  }
  const close = element('button', 'close');
  close.type = 'button';
  close.addEventListener('click', () => (panel.hidden = true));
  panel.replaceChildren(close, ...parts);
  panel.hidden = false;
}

/** What the header says of the shown run (the pill), and of the process's runs. */
function drawHeader(message) {
  const { runs } = message;
  $('run').textContent =
    runs.total === 0
      ? 'waiting for a run…'
      : `${runs.total} run${runs.total === 1 ? '' : 's'} in this process` +
        (runs.running > 0 ? `, ${runs.running} going on` : '') +
        (runs.failed > 0 ? `, ${runs.failed} with failures` : '');
  const status = $('status');
  status.textContent = { idle: 'idle', running: 'running', succeeded: 'finished', failed: 'finished with failures' }[message.status];
  status.className = `pill ${message.status}`;
  $('elapsed').textContent = runs.total === 0 ? '' : seconds((message.endedAt ?? message.now) - message.startedAt);
  drawRunSelect(message);
  drawCounts(message);
  drawTotals(message);
}

/**
 * One option per run the server keeps, oldest first. Options are changed in place, not
 * replaced, so that a list the user has open stays open while a run's count grows.
 */
function drawRunSelect(message) {
  const select = $('run-select');
  const kept = message.runs.kept;
  const latest = kept.at(-1)?.number;
  const wanted = kept.map((run) => ({
    value: String(run.number),
    text: `run ${run.number} · ${run.status} · ${run.nodes} node${run.nodes === 1 ? '' : 's'}${run.number === latest ? ' (latest)' : ''}`,
  }));
  if (kept.length > 0 && kept[0].number > 1) {
    const last = kept[0].number - 1;
    wanted.unshift({ value: '', text: `run${last > 1 ? `s 1–${last}` : ' 1'}: no longer kept`, disabled: true });
  }
  if (wanted.length === 0) wanted.push({ value: '', text: 'no run yet', disabled: true });
  wanted.forEach((want, i) => {
    let option = select.options[i];
    if (!option) select.append((option = element('option')));
    option.value = want.value;
    if (option.textContent !== want.text) option.textContent = want.text;
    option.disabled = want.disabled === true;
  });
  while (select.options.length > wanted.length) select.options[select.options.length - 1].remove();
  select.disabled = kept.length === 0;
  if (message.run > 0) select.value = String(message.run);
  view.latest = latest;
}

$('run-select').addEventListener('change', () => {
  const picked = Number($('run-select').value);
  view.pinned = picked === view.latest ? undefined : picked;
  connect();
});

function drawCounts(message) {
  $('summary-title').textContent = message.run === 0 ? 'No run yet' : `Run ${message.run}`;
  const { counts } = message;
  for (const key of ['total', 'executed', 'cached', 'deduplicated', 'failed', 'skipped']) $(`count-${key}`).textContent = counts[key];
  $('count-running').textContent = counts.states.running;
  const looked = counts.cached + counts.executed;
  const [hit, ran] = $('hits').children;
  hit.style.width = `${looked === 0 ? 0 : (100 * counts.cached) / looked}%`;
  ran.style.width = `${looked === 0 ? 0 : (100 * counts.executed) / looked}%`;
  $('hits-text').textContent = `${counts.cached} from cache, ${counts.executed} executed; the cache saved ${counts.savedExact === false ? 'at least ' : ''}${seconds(counts.savedMs)} of compute`;
}

/** Every run's counts added up: only with more than one run, and labelled as totals. */
function drawTotals(message) {
  const { totals, runs } = message;
  $('totals').hidden = runs.total < 2;
  $('totals-label').textContent = `totals over all ${runs.total} runs:`;
  $('totals-text').textContent =
    `${totals.total} nodes · ${totals.executed} executed · ${totals.cached} from cache · ${totals.deduplicated} deduplicated · ` +
    `${totals.failed} failed · ${totals.skipped} skipped`;
}

function drawFunctions(functions) {
  const body = $('functions').tBodies[0];
  body.replaceChildren();
  for (const [name, { total, states }] of Object.entries(functions).sort(([a], [b]) => a.localeCompare(b))) {
    const finished = STATES.filter((s) => s !== 'running').reduce((sum, s) => sum + (states[s] ?? 0), 0);
    const row = element('tr');
    const label = element('td');
    label.append(element('span', undefined, 'swatch'), name);
    label.firstChild.style.background = colourOf(name);
    const progress = element('td');
    progress.append(stateBar(states, total));
    row.append(label, progress, element('td', `${finished} / ${total}`));
    body.append(row);
  }
}

function drawStream(message) {
  const svg = $('stream');
  const width = svg.clientWidth || 900;
  const lanes = [...new Set([...message.workers.map((w) => w.id), ...view.stream.map((bar) => bar.worker)])].sort((a, b) => a - b);
  const height = AXIS_HEIGHT + Math.max(1, lanes.length) * LANE_HEIGHT;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('height', height);
  const end = message.endedAt ?? message.now;
  // 0 s is the run's start. With tasks left out, the axis begins at the first one drawn
  // (its ticks still count from the run's start), so that the bars are not squeezed.
  const start = view.dropped > 0 ? Math.max(message.startedAt, view.stream[0]?.start ?? message.startedAt) : message.startedAt;
  const span = Math.max(1, end - start);
  const x = (t) => LABEL_WIDTH + ((t - start) / span) * (width - LABEL_WIDTH - 8);
  const parts = [];
  lanes.forEach((lane, i) => {
    const y = AXIS_HEIGHT + i * LANE_HEIGHT;
    const label = svgElement('text', { x: 4, y: y + 15 });
    label.textContent = lane === 0 ? 'main thread' : `worker ${lane}`;
    // A cluster worker's thread: its machine is said on hover (the lane's label has no room for it).
    const machine = message.workers.find((w) => w.id === lane)?.machine;
    if (machine) label.append(Object.assign(svgElement('title', {}), { textContent: machine }));
    parts.push(label);
    parts.push(svgElement('line', { x1: LABEL_WIDTH, x2: width, y1: y + LANE_HEIGHT, y2: y + LANE_HEIGHT, stroke: '#eee' }));
  });
  for (let tick = 0; tick <= 4; tick++) {
    const label = svgElement('text', { class: 'tick', x: x(start + (span * tick) / 4) - (tick === 4 ? 30 : 0), y: 12 });
    label.textContent = seconds((start - message.startedAt) + (span * tick) / 4);
    parts.push(label);
  }
  for (const bar of view.stream) {
    const lane = lanes.indexOf(bar.worker);
    const rect = svgElement('rect', {
      class: bar.failed ? 'task failed' : 'task',
      'data-name': bar.name,
      'data-function': bar.fn,
      x: x(bar.start),
      y: AXIS_HEIGHT + lane * LANE_HEIGHT + 3,
      width: Math.max(1, x(bar.end) - x(bar.start)),
      height: LANE_HEIGHT - 6,
      fill: colourOf(bar.fn),
      'data-cid': bar.cid,
    });
    rect.addEventListener('click', () => void showTask(bar.cid, message.run, message.startedAt));
    const title = svgElement('title', {});
    title.textContent = `${bar.name}: ${bar.failed ? 'failed after ' : ''}${seconds(bar.end - bar.start)}`;
    rect.append(title);
    parts.push(rect);
  }
  svg.replaceChildren(...parts);
  const shown = view.stream.length;
  $('stream-note').textContent = view.dropped > 0 ? `latest ${shown} tasks; ${view.dropped} more not drawn` : `${shown} tasks`;
  const legend = $('legend');
  legend.replaceChildren();
  for (const name of Object.keys(message.functions).sort()) {
    const item = element('span');
    const swatch = element('span', undefined, 'swatch');
    swatch.style.background = colourOf(name);
    item.append(swatch, name);
    legend.append(item);
  }
  if (view.stream.some((bar) => bar.failed)) {
    const item = element('span');
    const swatch = element('span', undefined, 'swatch');
    swatch.style.background = 'var(--failed)';
    item.append(swatch, 'failed');
    legend.append(item);
  }
}

function drawWorkers(message) {
  const body = $('workers').tBodies[0];
  body.replaceChildren();
  for (const worker of message.workers) {
    const row = element('tr');
    const use = element('td');
    const bar = element('div', undefined, 'bar');
    const seg = element('span', undefined, 'seg done');
    seg.style.width = `${Math.round(worker.utilisation * 100)}%`;
    bar.append(seg);
    use.append(bar, element('span', `${Math.round(worker.utilisation * 100)}%`, 'note'));
    row.append(
      element('td', worker.id === 0 ? 'main thread' : `worker ${worker.id}${worker.machine ? ` · ${worker.machine}` : ''}`),
      element('td', String(worker.tasks)),
      element('td', seconds(worker.busyMs)),
      use,
      element('td', worker.heapBytes === undefined ? '—' : megabytes(worker.heapBytes)),
    );
    body.append(row);
  }
  const { memory } = message;
  $('memory').textContent =
    `process: ${megabytes(memory.rssBytes)} resident, main heap ${megabytes(memory.heapUsedBytes)}; ` +
    `largest worker heap ${megabytes(memory.peakWorkerHeapBytes)}; running now: ` +
    (message.running.length === 0 ? 'nothing' : message.running.map(describeRunning).join(', '));
}

/**
 * A cluster run's `memograph worker`s: tasks and busy time are this run's on each; "since
 * it started" is the worker's own count over every coordinator, from its heartbeat.
 */
function drawCluster(message) {
  const workers = message.cluster;
  $('cluster').hidden = workers === undefined;
  if (workers === undefined) return;
  const live = workers.filter((worker) => worker.live);
  $('cluster-note').textContent = `${live.length} live, ${live.reduce((sum, worker) => sum + worker.slots, 0)} slots`;
  const body = $('cluster-workers').tBodies[0];
  body.replaceChildren();
  for (const worker of workers) {
    const row = element('tr', undefined, worker.live ? undefined : 'gone');
    row.dataset.id = worker.id;
    row.append(
      element('td', worker.live ? worker.host : `${worker.host} (gone)`),
      element('td', String(worker.pid)),
      element('td', String(worker.slots)),
      element('td', String(worker.thisRun.tasks)),
      element('td', seconds(worker.thisRun.busyMs)),
      element('td', `${worker.tasks} tasks, busy ${seconds(worker.busyMs)}`, 'note'),
    );
    body.append(row);
  }
}

/** A running task, with what it last said of its progress. */
function describeRunning(task) {
  if (task.fraction === undefined) return task.name;
  return `${task.name} ${Math.round(task.fraction * 100)}%${task.message ? ` (${task.message})` : ''}`;
}

function drawFailures(total) {
  const list = $('failures');
  list.replaceChildren();
  for (const failure of view.failures) {
    const item = element('li');
    item.append(element('strong', failure.name), ' ', element('code', `${failure.cid.slice(-8)} · ${failure.code}`));
    item.append(element('pre', failure.message));
    list.append(item);
  }
  $('failures-note').textContent = total === 0 ? 'none' : total > view.failures.length ? `first ${view.failures.length} of ${total}` : String(total);
}

// The picture is fetched once per run, and again when a task of the run returned a graph
// (graphVersion); its colours come from every update. Updates that arrive while the
// picture is on its way must still colour it, so the newest states are kept and applied
// once it lands, and a picture overtaken by a newer one is dropped.
async function drawGraph(message) {
  view.graphStates = message.graph;
  const picture = `${message.run}.${message.graphVersion}`;
  if (view.graphPicture !== picture) {
    view.graphPicture = picture;
    $('graph-title').textContent =
      message.run === 0 ? 'Graph' : message.graphKept ? `Graph of run ${message.run}` : `Graph of run ${message.run}: not kept (a large graph of an earlier run)`;
    const text = await (await fetch(`/api/graph.svg?run=${message.run}`)).text();
    if (view.graphPicture !== picture) return;
    const drawn = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
    $('graph').replaceChildren(document.importNode(drawn, true));
    view.graphScale = undefined;
    fitGraph();
  }
  colourGraph();
}

// A sweep of a few dozen points lays out as one wide row: shrunk to the box, the whole
// graph and its colours are in view; actual size is a click away, and scrolls.
function fitGraph() {
  const picture = $('graph').querySelector('svg');
  const button = $('graph-fit');
  const wider = picture !== null && Number(picture.getAttribute('width')) > $('graph').clientWidth;
  button.hidden = !wider;
  if (!picture) return;
  if (view.graphScale !== undefined) {
    // Zoomed: the picture at that scale, scrolled (dragged) within its box.
    picture.style.width = `${Number(picture.getAttribute('width')) * view.graphScale}px`;
    picture.style.height = 'auto';
    button.hidden = false;
    button.textContent = 'fit to width';
    return;
  }
  const fit = wider && view.graphFit;
  picture.style.width = fit ? '100%' : '';
  picture.style.height = fit ? 'auto' : '';
  button.textContent = view.graphFit ? 'actual size' : 'fit to width';
}

$('graph-fit').addEventListener('click', () => {
  view.graphFit = view.graphScale !== undefined ? true : !view.graphFit;
  view.graphScale = undefined;
  fitGraph();
});

// Zoom with the wheel, about the point under the pointer; pan by dragging.
$('graph').addEventListener(
  'wheel',
  (event) => {
    const box = $('graph');
    const picture = box.querySelector('svg');
    if (!picture) return;
    event.preventDefault();
    const natural = Number(picture.getAttribute('width'));
    const before = picture.getBoundingClientRect().width / natural;
    const after = Math.min(4, Math.max(0.1, before * Math.exp(-event.deltaY / 400)));
    const rect = box.getBoundingClientRect();
    const x = event.clientX - rect.left + box.scrollLeft;
    const y = event.clientY - rect.top + box.scrollTop;
    view.graphScale = after;
    fitGraph();
    box.scrollLeft = (x * after) / before - (event.clientX - rect.left);
    box.scrollTop = (y * after) / before - (event.clientY - rect.top);
  },
  { passive: false },
);
let dragging;
$('graph').addEventListener('pointerdown', (event) => {
  const box = $('graph');
  dragging = { x: event.clientX, y: event.clientY, left: box.scrollLeft, top: box.scrollTop };
  box.setPointerCapture(event.pointerId);
});
$('graph').addEventListener('pointermove', (event) => {
  if (!dragging) return;
  const box = $('graph');
  box.scrollLeft = dragging.left - (event.clientX - dragging.x);
  box.scrollTop = dragging.top - (event.clientY - dragging.y);
});
$('graph').addEventListener('pointerup', () => (dragging = undefined));
window.addEventListener('resize', fitGraph);

function colourGraph() {
  for (const node of $('graph').querySelectorAll('g.node')) {
    const state = view.graphStates[node.dataset.id];
    if (state) node.setAttribute('class', `node ${state}`);
  }
}

function apply(message, full) {
  // The server stays on a picked run while it keeps it; when it lets it go, it shows the latest.
  if (view.pinned !== undefined && message.run !== view.pinned) view.pinned = undefined;
  if (full) {
    if (message.run !== view.run) $('task-detail').hidden = true;
    view.run = message.run;
    view.stream = [];
    view.dropped = 0;
    view.failures = [];
  }
  view.stream.push(...message.stream);
  if (view.stream.length > STREAM_KEEP) {
    view.dropped += view.stream.length - STREAM_KEEP;
    view.stream.splice(0, view.stream.length - STREAM_KEEP);
  }
  view.dropped += message.streamDropped;
  view.failures.push(...message.failures);
  drawHeader(message);
  drawFunctions(message.functions);
  drawStream(message);
  drawWorkers(message);
  drawCluster(message);
  drawFailures(message.failuresTotal);
  void drawGraph(message);
}

// Without a run the server's stream follows the latest run; with one it stays on it.
let events;
function connect() {
  events?.close();
  const source = new EventSource(view.pinned === undefined ? '/api/events' : `/api/events?run=${view.pinned}`);
  source.addEventListener('full', (event) => apply(JSON.parse(event.data), true));
  source.addEventListener('update', (event) => apply(JSON.parse(event.data), false));
  source.addEventListener('error', () => {
    // The program has ended (or stopped its dashboard): keep showing the last picture.
    if (source.readyState === EventSource.CLOSED || view.run > 0) {
      $('status').textContent += ' · disconnected';
      source.close();
    }
  });
  events = source;
}
connect();
