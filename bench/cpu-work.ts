/**
 * The cpu scenario's unit of work: `iters` rounds of xorshift32 from `seed`.
 * dask_side.py has the same function (masking to 32 bits where JavaScript's
 * `>>> 0` does), so the harness can check a side's answer for any iteration
 * count. The function uses nothing but its arguments, so it runs on a worker
 * as plain source.
 */
export function spin(seed: number, iters: number): number {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < iters; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
  }
  return x;
}

/** Iterations of spin that take about `ms` here, timed on this thread. */
export function calibrate(ms: number): number {
  let iters = 1 << 16;
  for (;;) {
    const started = performance.now();
    spin(1, iters);
    const took = performance.now() - started;
    if (took >= 50) return Math.max(1, Math.round((iters * ms) / took));
    iters *= 2;
  }
}
