// The public surface of memograph. Everything a user may import is exported here, and only here.
export { delayed, Delayed } from './graph/delayed.js';
export type { DelayedArgs, DelayedFunction, DelayedTuple, DelayedTupleFunction, MaybeDelayed } from './graph/delayed.js';
export type { PartKey, PartOf } from './graph/parts.js';
export type { DelayedOptions } from './graph/task-function.js';
export { compute } from './compute.js';
export { reportProgress } from './executors/report-progress.js';
export { computeStructure, type Computed } from './compute-structure.js';
export type { Completion } from './completions.js';
export { Run, startRun, shutdown } from './run.js';
export { currentTaskSignal } from './executors/task-signal.js';
export { visualize } from './visualize/visualize.js';
export { showProgress } from './progress/progress.js';
export type { ProgressOptions } from './progress/progress.js';
export type { DashboardOptions } from './dashboard/dashboard-server.js';
export type { VisualizeFormat, VisualizeOptions } from './visualize/visualize.js';
export type { FunctionStatus, RunOutcome, StatusReport, Values } from './run.js';
export type { RunEvent, RunEventType, RunHooks } from './scheduler/events.js';
export type { ClusterWorker } from './cluster/run-workers.js';
export type { RetryOptions, TaskPolicies } from './graph/policies.js';
export type { ComputeOptions } from './options.js';
export type { RunSnapshot, NodeView, RunStatus } from './scheduler/snapshots.js';
export type { FailurePolicy, NodeState, RunCounts } from './scheduler/state.js';
export { registerEncoder, tokenize } from './hash/public.js';
export { FORMAT_VERSION } from './hash/call-address.js';
export { LevelStore } from './store/level-store.js';
export { MemoryStore } from './store/memory-store.js';
export { RedisStore, type RedisStoreOptions } from './store/redis/redis-store.js';
export type { Store, ResultRecord } from './store/store.js';
export {
  MemographError,
  TaskError,
  WorkerCrashedError,
  TimeoutError,
  ResourceLimitError,
  CaptureChangedError,
  AbortError,
  CodeChangedError,
  LateTaskError,
  LateErrorWarning,
  UnhashableError,
  InvalidArgumentError,
  NotSelfContainedError,
  StoreLockedError,
  StoreCorruptError,
} from './errors.js';
export type { ErrorCode, TaskFailure } from './errors.js';
export { file, dir, isFileValue, isDirValue } from './files/file-value.js';
export type { FileValue, DirValue } from './files/file-value.js';
export { command, Command } from './commands/command.js';
export type { CommandOptions } from './commands/command.js';
export { CommandExitError } from './commands/run-command.js';
export type { CommandArg, CommandInput, CommandOutput, CommandResult } from './commands/spec.js';
export { grid, pointLabel } from './sweeps/grid.js';
export type { Axes, GridOptions, Point, PointOf } from './sweeps/grid.js';
export { sweep, Sweep } from './sweeps/sweep.js';
export type { PointFailure, PointResult, SweepEntry } from './sweeps/sweep.js';
