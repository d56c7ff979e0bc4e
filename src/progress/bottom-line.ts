/**
 * One line kept at the bottom of a terminal, redrawn in place, that the process's other
 * output goes above rather than through: a write to stdout or stderr while the line is
 * shown first clears it, and the line is drawn again below what was written. Without
 * that, a script's `console.log` (or the dashboard's address) lands in the middle of the
 * line, and a shorter redraw leaves the old line's tail behind. It may be a few lines (a
 * cluster run's workers above the bar): each is cut to the terminal's width, so that
 * going back up over them knows how many rows they took.
 */
type Write = NodeJS.WritableStream['write'];

const CLEAR_LINE = '\r\u001b[2K';
/** Up one row, and clear it. */
const CLEAR_ROW_ABOVE = '\u001b[1A\u001b[2K';

export class BottomLine {
  readonly #stream: NodeJS.WritableStream & { columns?: number };
  readonly #writes = new Map<NodeJS.WritableStream, Write>();
  readonly #wrappers = new Map<NodeJS.WritableStream, Write>();
  #ended = false;
  #text = '';
  #shown = false;
  /** Rows the shown text takes. */
  #rows = 1;
  /** Other output ended mid-line: drawing now would append to it, so wait for its newline. */
  #midLine = false;

  constructor(stream: NodeJS.WritableStream & { columns?: number }, others: readonly NodeJS.WritableStream[]) {
    this.#stream = stream;
    for (const other of new Set([stream, ...others])) this.#intercept(other);
  }

  /** Show `text` as the line, or `lines` one above the other (each cut to the terminal's width). */
  draw(text: string | readonly string[]): void {
    const width = this.#stream.columns;
    const cut = (line: string) => (width !== undefined && width > 1 && line.length >= width ? `${line.slice(0, width - 2)}…` : line);
    const lines = typeof text === 'string' ? [text] : text;
    if (this.#shown && lines.length !== this.#rows) this.#clear();
    this.#text = lines.map(cut).join('\n');
    this.#rows = lines.length;
    this.#render();
  }

  /** Leave the line as it is, with a newline after it, and let other output through untouched again. */
  end(): void {
    if (this.#midLine) {
      this.#raw(this.#stream, '\n');
      this.#midLine = false;
    }
    this.#render();
    if (this.#shown) this.#raw(this.#stream, '\n');
    this.#shown = false;
    this.#ended = true;
    // Put the stream back only if nothing wrapped it since (another run's line): otherwise
    // this wrapper stays in the chain and lets writes through untouched.
    for (const [stream, write] of this.#writes) if (stream.write === this.#wrappers.get(stream)) (stream as { write: Write }).write = write;
  }

  #render(): void {
    if (this.#ended || this.#midLine || this.#text === '') return;
    this.#raw(this.#stream, `${this.#shown ? this.#clearing() : CLEAR_LINE}${this.#text}`);
    this.#shown = true;
  }

  /** Clear what is shown, leaving the cursor where it began. */
  #clear(): void {
    this.#raw(this.#stream, this.#clearing());
    this.#shown = false;
  }

  #clearing(): string {
    return CLEAR_LINE + CLEAR_ROW_ABOVE.repeat(this.#rows - 1);
  }

  #raw(stream: NodeJS.WritableStream, text: string): void {
    const write = this.#writes.get(stream) ?? stream.write;
    write.call(stream, text);
  }

  #intercept(stream: NodeJS.WritableStream): void {
    const original = stream.write;
    this.#writes.set(stream, original);
    const line = this;
    const wrapper = function (this: NodeJS.WritableStream, chunk: unknown, ...rest: unknown[]): boolean {
      if (line.#ended) return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
      if (line.#shown) line.#clear();
      const written = (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
      const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : '';
      if (text.length > 0) line.#midLine = !text.endsWith('\n');
      line.#render();
      return written;
    } as Write;
    this.#wrappers.set(stream, wrapper);
    (stream as { write: Write }).write = wrapper;
  }
}
