/**
 * A task's stack as its author wants to read it: the frames of their code, without the
 * worker's own frames below them (memograph's batch loop, piscina, Node's async hooks),
 * which say only that a worker thread ran the task.
 */
const WORKER_DIR = new URL('.', import.meta.url).href.replace(/^file:\/\//, '');

function isWorkerFrame(line: string): boolean {
  return (
    line.includes(WORKER_DIR) ||
    line.includes('/node_modules/piscina/') ||
    line.includes('(node:async_hooks') ||
    line.includes('(node:internal/') ||
    /^\s*at (async )?node:/.test(line)
  );
}

/** `stack` without the trailing frames of the worker that ran the task (all of it if only those are left). */
export function withoutWorkerFrames(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  const lines = stack.split('\n');
  let end = lines.length;
  while (end > 0 && isWorkerFrame(lines[end - 1]!)) end--;
  // A stack of worker frames only (the error was made there) is kept as it is.
  return end === 0 || !lines.slice(0, end).some((line) => /^\s*at /.test(line)) ? stack : lines.slice(0, end).join('\n');
}
