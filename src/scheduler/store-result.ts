/**
 * What a task gave (its value, or the graph it returned) goes into the store: under its
 * call CID, and, for a call with inputs, under its value key too (graph/value-key.ts), so
 * that a later run whose inputs return the same finds it (early cutoff). A volatile call
 * (one above a `cache: false` call) is stored by its value key alone: its call CID does
 * not name its result.
 */
import { captureDeclared } from '../files/declared-outputs.js';
import { lineageOf, withIdentityRecords } from '../graph/lineage.js';
import type { TaskError } from '../errors.js';
import { byValueOf, withLineage, type RecordDraft } from '../store/record-codec.js';
import type { RecordEncoding, ResultRecord, Store } from '../store/store.js';
import type { ArgumentChecks } from './argument-checks.js';
import type { TaskNode } from './state.js';
import { taskFailure } from './task-failures.js';
import type { TaskResult } from './task-result.js';
import { functionNameOf } from '../graph/task-function.js';
import { workBelowNode } from './spared-work.js';

/**
 * Why the result was not stored and the node fails instead (`retry`: whether its retry
 * policy applies), or undefined once it is stored; `node.record` is then its record.
 */
export function storeResult(
  store: Store,
  node: TaskNode,
  result: TaskResult,
  durationMs: number,
  encoding: RecordEncoding,
  checks: ArgumentChecks,
  valueKeyOf: (node: TaskNode) => string | undefined,
): { readonly error: TaskError; readonly retry: boolean } | undefined {
  // An input file that changed while the task ran: trying again cannot help.
  const changed = node.delayed.watched.length > 0 ? checks.beforeStore(node.delayed) : undefined;
  if (changed !== undefined) return { error: taskFailure(node, changed, undefined), retry: false };
  const bytes = result.bytes();
  let declared: ReturnType<typeof captureDeclared> | undefined;
  try {
    declared = node.delayed.task.outputs && captureDeclared(node.delayed.task.outputs);
  } catch (error) {
    return { error: taskFailure(node, (error as Error).message, error), retry: true };
  }
  // Drafts filled in by assignment, not spread into one another (record-codec.ts's RecordDraft says why).
  const record: RecordDraft = {
    resultCid: result.resultCid(),
    encoding,
    size: bytes.byteLength,
    durationMs,
    fn: functionNameOf(node.delayed.task),
    createdAt: Date.now(),
  };
  if (declared) record.outputs = declared.outputs;
  const below = workBelowNode(node);
  if (below !== undefined) record.below = below;
  // The stored record says what the result was computed from; the node keeps it lean.
  const lineage = lineageOf(node.delayed);
  const attachments = lineage ? withIdentityRecords(store, node.delayed.task.identity, declared?.attachments) : declared?.attachments;
  const volatile = node.delayed.volatile;
  if (!volatile) store.putResult(node.delayed.cid, lineage ? withLineage(record, lineage) : record, bytes, attachments);
  const valueKey = node.delayed.links.length > 0 ? (node.valueKey ?? valueKeyOf(node)) : undefined;
  // Beside a call CID record it is another way to find the result (ResultRecord.byValue),
  // lean: explain reads the call CID's record, and its bytes and attachments are in this batch already.
  if (valueKey !== undefined) {
    const keyed = volatile ? (lineage ? withLineage(record, lineage) : record) : byValueOf(record);
    store.putResult(valueKey, keyed, bytes, volatile ? attachments : undefined);
  }
  // Results not in the store are kept for the run (RunState.keepUnstored).
  node.record = volatile && valueKey === undefined ? undefined : record;
  return undefined;
}
