/**
 * The normalised text of a run of tokens, shared by function identities
 * (function-source.ts) and the declarations of a code manifest
 * (identity/file-summary.ts), so that both mean the same by "the same code":
 * tokens joined by one space (template text kept exactly), semicolons inserted
 * by ASI written out, trailing commas dropped (not the ones that make array
 * holes), plain strings in JSON form, and each local binding written as its
 * placeholder `#0`, `#1`, … in order of first use (a shorthand property keeps
 * its key: `{ a : #0 }`). docs/hash-format.md, "Function identity", is the
 * normative description.
 */
import type { Token } from 'acorn';

export interface TokenRun {
  /** The tokens, in order; the caller has left out what does not count. */
  readonly tokens: readonly Token[];
  readonly textOf: (token: Token) => string;
  /** Token ends after which ASI inserted a semicolon. */
  readonly asi: ReadonlySet<number>;
  /** The binding a name token refers to when it is local (one value per binding), else undefined. */
  readonly bindingOf: (token: Token) => unknown;
  /** Starts of shorthand property keys whose token is also a binding's. */
  readonly shorthandKeys: ReadonlySet<number>;
}

export function normalizedText({ tokens, textOf, asi, bindingOf, shorthandKeys }: TokenRun): string {
  const label = (i: number): string | undefined => tokens[i]?.type.label;
  const parts: string[] = [];
  const placeholders = new Map<unknown, string>();
  let previousIsChunk = true; // no space before the first token
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    let text = textOf(token);
    const type = token.type.label;
    // A trailing comma is formatting (prettier adds or removes it) except in
    // an array literal after a hole or `[`, where it changes the length.
    if (type === ',') {
      const next = label(i + 1);
      if (next === ')' || next === '}') continue;
      if (next === ']' && label(i - 1) !== ',' && label(i - 1) !== '[') continue;
    }
    // Quote style is formatting too: a string without escapes is written as
    // JSON. (Escaped ones keep their text: "use\x20strict" is not a directive.)
    if (type === 'string' && !text.includes('\\')) text = JSON.stringify((token as Token & { value: string }).value);
    const binding = type === 'name' ? bindingOf(token) : undefined;
    if (binding !== undefined) {
      let placeholder = placeholders.get(binding);
      if (placeholder === undefined) placeholders.set(binding, (placeholder = `#${placeholders.size}`));
      text = shorthandKeys.has(token.start) ? `${text} : ${placeholder}` : placeholder;
    }
    // Template chunks are written exactly as they are: spaces inside them are content.
    const isChunk = type === 'template' || type === 'invalidTemplate';
    if (!previousIsChunk && !isChunk) parts.push(' ');
    parts.push(text);
    previousIsChunk = isChunk;
    if (asi.has(token.end)) {
      parts.push(' ;');
      previousIsChunk = false;
    }
  }
  return parts.join('');
}
