/**
 * Asking before a destructive step. With no terminal on stdin (CI, a pipe) there is
 * nobody to ask, so the step is refused with a usage error saying which flag skips
 * the question, rather than going ahead unasked.
 */
import { createInterface } from 'node:readline/promises';
import { UsageProblem } from './usage-problem.js';

/** True when the user answered yes; throws `refusal` when there is no terminal to ask on. */
export async function confirm(question: string, refusal: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new UsageProblem(refusal);
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}
