/**
 * Finding Dask. Debian's python3-dask belongs to Debian's own interpreter,
 * /usr/bin/python3, which need not be the first python3 on PATH (pyenv, venvs),
 * so that is the one we ask, and the one the install hint is about.
 */
import { execFile } from 'node:child_process';

/** MEMOGRAPH_BENCH_PYTHON overrides it (another distribution's layout, or to try the harness without Dask). */
export const PYTHON = process.env.MEMOGRAPH_BENCH_PYTHON || '/usr/bin/python3';
export const INSTALL_HINT = 'apt-get install -y python3-dask python3-distributed python3-joblib';

export type DaskProbe =
  | {
      readonly ok: true;
      readonly python: string;
      readonly dask: string;
      readonly distributed: string | undefined;
      readonly joblib: string;
      readonly numpy: string;
    }
  | { readonly ok: false; readonly reason: string };

const PROBE = `
import json, sys
out = {"python": sys.version.split()[0]}
for name in ("dask", "joblib", "numpy", "distributed"):
    try:
        out[name] = __import__(name).__version__
    except Exception as error:
        out[name] = None
        out[name + "_error"] = str(error)
print(json.dumps(out))
`;

export function probeDask(): Promise<DaskProbe> {
  return new Promise((resolve) => {
    execFile(PYTHON, ['-c', PROBE], { timeout: 60_000 }, (error, stdout) => {
      if (error) {
        resolve({ ok: false, reason: `${PYTHON} could not be run (${error.message.split('\n')[0]})` });
        return;
      }
      const found = JSON.parse(stdout) as Record<string, string | null>;
      const missing = ['dask', 'joblib', 'numpy'].filter((name) => !found[name]);
      if (missing.length > 0) {
        resolve({ ok: false, reason: `${PYTHON} cannot import ${missing.join(', ')}` });
        return;
      }
      resolve({
        ok: true,
        python: found.python!,
        dask: found.dask!,
        distributed: found.distributed ?? undefined,
        joblib: found.joblib!,
        numpy: found.numpy!,
      });
    });
  });
}
