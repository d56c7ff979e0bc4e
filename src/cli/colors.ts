/**
 * Colours for the command's output: only on a terminal, never with NO_COLOR
 * (FORCE_COLOR forces them). picocolors' own default also colours whenever CI
 * is set, which would put escapes into CI logs and piped output.
 */
import picocolors from 'picocolors';

function colorsFor(stream: NodeJS.WriteStream): ReturnType<typeof picocolors.createColors> {
  const env = process.env;
  return picocolors.createColors(!('NO_COLOR' in env) && ('FORCE_COLOR' in env || stream.isTTY === true));
}

/** For what goes to stdout (tables, listings). */
export const out = colorsFor(process.stdout);
/** For what goes to stderr (the run summary, errors). */
export const err = colorsFor(process.stderr);
