"""Dask's side of one memograph benchmark scenario.

    /usr/bin/python3 bench/dask_side.py '{"scenario": "wide", "params": {...}, "repeat": {...}}'

bench/tasks.ts runs it (Debian's interpreter, where python3-dask lives) and
reads the one line it prints: BENCH_RESULT and a JSON object with the same
fields as memograph's side (bench/side-result.ts). The graphs are the shapes of
bench/graphs.ts, built with dask.delayed(pure=True) so keys are content hashes
as memograph's CIDs are. This script's source is part of the cache key of its
results, so editing it re-measures Dask.
"""
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

import dask
import dask.base
from dask import delayed

RESULT_PREFIX = "BENCH_RESULT "


def inc(x):
    return x + 1


def add(a, b):
    return a + b


def total(xs):
    return sum(xs)


# dedup counts executions: Dask must run each distinct inc once, like memograph.
_executed = [0]
_lock = threading.Lock()


def counted_inc(x):
    with _lock:
        _executed[0] += 1
    return x + 1


def counted_total(xs):
    with _lock:
        _executed[0] += 1
    return sum(xs)


def spin(seed, iters):
    """bench/cpu-work.ts's spin: xorshift32, masked to 32 bits where JavaScript uses >>> 0."""
    x = (seed & 0xFFFFFFFF) or 1
    for _ in range(iters):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
    return x


d_inc = delayed(inc, pure=True)
d_add = delayed(add, pure=True)
d_total = delayed(total, pure=True)


def wide(n):
    return d_total([d_inc(i) for i in range(n)])


def tree(leaves):
    """Pairwise adds level by level; an odd node out moves up unchanged."""
    level = [d_inc(i) for i in range(leaves)]
    while len(level) > 1:
        nxt = [d_add(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2 == 1:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def chain(n):
    x = d_inc(0)
    for _ in range(n - 1):
        x = d_inc(x)
    return x


def dedup(calls, distinct):
    c_inc = delayed(counted_inc, pure=True)
    return delayed(counted_total, pure=True)([c_inc(i % distinct) for i in range(calls)])


def now_ms():
    return time.perf_counter() * 1000


class Collector:
    def __init__(self):
        self.samples = {}
        self.answers = {}
        self.info = {}
        self._seq = 0

    def add(self, key, value):
        self.samples.setdefault(key, []).append(value)

    def answer(self, key, value):
        """The first answer under its key; a later one that differs under key#n."""
        self._seq += 1
        if key not in self.answers:
            self.answers[key] = value
        elif self.answers[key] != value:
            self.answers[f"{key}#{self._seq}"] = value

    def repeat(self, repeat, variants):
        """Warm-up runs, then timed runs; variants take turns within a run."""
        for r in range(repeat["warmup"] + repeat["runs"]):
            for name, trial in variants.items():
                ms, value, extra = trial()
                if r < repeat["warmup"]:
                    continue
                self.add(name, ms)
                if value is not None:
                    self.answer(name, value)
                for key, v in extra.items():
                    if key.startswith("executed"):
                        self.answer(key, v)
                    else:
                        self.add(key, v)


BUILD_KEY = {"sync": "build", "threads": "buildThreads"}


def build_and_run(build, scheduler):
    """Build the graph (timed under BUILD_KEY), then compute it (timed)."""
    started = now_ms()
    target = build()
    built = now_ms()
    (value,) = dask.compute(target, scheduler=scheduler)
    return now_ms() - built, value, {BUILD_KEY[scheduler]: built - started}


def graph_scenario(c, repeat, build):
    c.repeat(repeat, {
        "sync": lambda: build_and_run(build, "sync"),
        "threads": lambda: build_and_run(build, "threads"),
    })


def dedup_scenario(c, p, repeat):
    def trial(scheduler, key):
        _executed[0] = 0
        ms, value, extra = build_and_run(lambda: dedup(p["calls"], p["distinct"]), scheduler)
        extra[key] = _executed[0]
        return ms, value, extra

    c.repeat(repeat, {
        "sync": lambda: trial("sync", "executedSync"),
        "threads": lambda: trial("threads", "executedThreads"),
    })


def rerun_scenario(c, p, repeat):
    """joblib.Memory's warm call: the same process, every call already on disk."""
    import joblib

    c.info["joblib"] = joblib.__version__
    directory = tempfile.mkdtemp(prefix="memograph-bench-joblib-")
    try:
        cached_inc = joblib.Memory(directory, verbose=0).cache(inc)
        calls = p["joblibCalls"]
        for i in range(calls):
            cached_inc(i)

        def warm():
            started = now_ms()
            value = sum(cached_inc(i) for i in range(calls))
            return now_ms() - started, value, {}

        c.repeat(repeat, {"joblib": warm})
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def calibrate(ms):
    """Iterations of spin that take about ms here."""
    iters = 1 << 12
    while True:
        started = now_ms()
        spin(1, iters)
        took = now_ms() - started
        if took >= 50:
            return max(1, round(iters * ms / took))
        iters *= 2


def cpu_scenario(c, p, repeat):
    iters = calibrate(p["ms"])
    c.info["iters"] = iters
    c.info["cores"] = os.cpu_count()
    d_spin = delayed(spin, pure=True)

    def trial(scheduler):
        tasks = [d_spin(seed, iters) for seed in range(1, p["tasks"] + 1)]
        started = now_ms()
        values = dask.compute(*tasks, scheduler=scheduler)
        return now_ms() - started, sum(values), {}

    c.repeat(repeat, {"sync": lambda: trial("sync"), "threads": lambda: trial("threads")})


def hash_scenario(c, p, repeat):
    import numpy as np
    from dask import hashing

    data = (np.arange(p["mib"] * 1024 * 1024 // 8) % 1000) / 4.0
    c.answer("checksum", float(data.sum()))
    c.info["hasher"] = hashing.hashers[0].__name__.replace("_hash_", "")

    def trial():
        started = now_ms()
        dask.base.tokenize(data)
        return now_ms() - started, None, {}

    c.repeat(repeat, {"tokenize": trial})


def build_scenario(c, p, repeat):
    last = []

    def trial():
        started = now_ms()
        last[:] = [tree(p["leaves"])]
        return now_ms() - started, None, {}

    c.repeat(repeat, {"build": trial})
    target = last[0]
    c.answer("nodes", len(dict(target.__dask_graph__())))
    c.answer("value", dask.compute(target, scheduler="sync")[0])


def big_scenario(c, p):
    """One run per process: ru_maxrss only grows."""
    # The baseline: dask imported and warmed up on a small tree, its thread pool started.
    dask.compute(tree(1000), scheduler="threads")
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started = now_ms()
    target = tree(p["daskLeaves"])
    (value,) = dask.compute(target, scheduler="threads")
    ended = now_ms()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    c.add("total", ended - started)
    c.add("rssBytes", peak - baseline)
    c.answer("value", value)
    c.info["baselineBytes"] = baseline
    c.info["peakBytes"] = peak


def held(log, trial, ms):
    """cluster-tasks.ts's held: note the process and the time, then hold the thread."""
    with open(log, "a") as f:
        f.write(f"{os.getpid()} {time.time() * 1000:.0f}\n")
    time.sleep(ms / 1000)
    return trial


def log_lines(log, count):
    while True:
        lines = open(log).read().split() if os.path.exists(log) else []
        if len(lines) >= 2 * count:
            return [(int(lines[i]), float(lines[i + 1])) for i in range(0, len(lines), 2)]
        time.sleep(0.005)


def cluster_scenario(c, p, repeat):
    """Two one-thread worker processes of a LocalCluster, as memograph's two one-slot workers."""
    import signal
    from dask.distributed import Client, LocalCluster
    import distributed

    c.info["distributed"] = distributed.__version__
    iters = calibrate(p["cpuMs"])
    c.info["iters"] = iters
    d_spin = delayed(spin, pure=True)
    spins = lambda: [d_spin(seed, iters) for seed in range(1, p["cpuTasks"] + 1)]
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    try:
        def on_cluster(target):
            started = now_ms()
            (value,) = dask.compute(target, scheduler=client)
            return now_ms() - started, value, {}

        def cpu(scheduler):
            started = now_ms()
            values = dask.compute(*spins(), scheduler=scheduler)
            return now_ms() - started, sum(values), {}

        c.repeat(repeat, {
            "wide": lambda: on_cluster(wide(p["daskWide"])),
            "tree": lambda: on_cluster(tree(p["daskLeaves"])),
            "chain": lambda: on_cluster(chain(p["chain"])),
            "cpuSync": lambda: cpu("sync"),
            "cpuAll": lambda: cpu(client),
        })
        # As memograph's: one task, killed with its worker process; the nanny starts a new one.
        scratch = tempfile.mkdtemp(prefix="memograph-bench-dask-cluster-")
        try:
            for trial in range(repeat["runs"]):
                log = os.path.join(scratch, f"held-{trial}.log")
                future = client.submit(held, log, trial, 1000, pure=False)
                (pid, _), = log_lines(log, 1)
                killed_at = time.time() * 1000
                os.kill(pid, signal.SIGKILL)
                again = log_lines(log, 2)[1]
                if future.result() != trial or again[0] == pid:
                    raise SystemExit("cluster: the recovery task did not start again elsewhere")
                c.add("recovery", again[1] - killed_at)
                client.wait_for_workers(2)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    finally:
        client.close()
        cluster.close()


def main():
    job = json.loads(sys.argv[1])
    scenario, p, repeat = job["scenario"], job["params"], job["repeat"]
    c = Collector()
    if scenario == "wide":
        graph_scenario(c, repeat, lambda: wide(p["n"]))
    elif scenario == "tree":
        graph_scenario(c, repeat, lambda: tree(p["leaves"]))
    elif scenario == "chain":
        graph_scenario(c, repeat, lambda: chain(p["n"]))
    elif scenario == "dedup":
        dedup_scenario(c, p, repeat)
    elif scenario == "rerun":
        rerun_scenario(c, p, repeat)
    elif scenario == "cpu":
        cpu_scenario(c, p, repeat)
    elif scenario == "hash":
        hash_scenario(c, p, repeat)
    elif scenario == "build":
        build_scenario(c, p, repeat)
    elif scenario == "big":
        big_scenario(c, p)
    elif scenario == "cluster":
        cluster_scenario(c, p, repeat)
    else:
        raise SystemExit(f"unknown scenario {scenario!r}")
    c.info["dask"] = dask.__version__
    result = {
        "side": "dask",
        "scenario": scenario,
        "samples": c.samples,
        "answers": c.answers,
        "info": c.info,
        "measuredAt": datetime.now(timezone.utc).isoformat(),
    }
    print(RESULT_PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
