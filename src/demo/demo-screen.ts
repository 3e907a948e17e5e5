/**
 * Where the demo's live view goes. On a terminal, each frame replaces the previous one in place
 * (cursor moved up over it, the rest cleared; lines cut to the terminal's width so none wraps and
 * the count stays right; the cursor hidden meanwhile). Elsewhere (a pipe, a file, CI), frames are
 * printed whole, no more often than `plainEveryMs`, and without escape codes.
 *
 * Contract: `note` prints a line above the live frame (kept in scrollback, the frame redrawn
 * below it) in both modes;
 * `finish` leaves the last frame on screen, shows the cursor again, and is idempotent; after it,
 * `frame` and `note` print plainly.
 */

export interface ScreenOptions {
  readonly write: (text: string) => void;
  readonly tty: boolean;
  /** Terminal width (default 100). */
  readonly columns?: () => number | undefined;
  readonly plainEveryMs?: number;
  readonly now?: () => number;
}

const hideCursor = '\x1b[?25l';
const showCursor = '\x1b[?25h';
const clearBelow = '\x1b[J';

/** Cuts a line to `width` characters (by code point), marking the cut. */
function fit(line: string, width: number): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

export class Screen {
  private drawn = 0;
  private last: readonly string[] = [];
  private lastPlain = -Infinity;
  private finished = false;

  constructor(private readonly options: ScreenOptions) {
    if (options.tty) options.write(hideCursor);
  }

  private live(): boolean {
    return this.options.tty && !this.finished;
  }

  private draw(lines: readonly string[]): string {
    const width = Math.max(20, (this.options.columns?.() ?? 100) - 1);
    this.last = lines;
    this.drawn = lines.length;
    return lines.map((line) => `${fit(line, width)}\n`).join('');
  }

  private erase(): string {
    return this.drawn === 0 ? '' : `\x1b[${this.drawn}F${clearBelow}`;
  }

  /** Shows a frame: redrawn in place on a terminal; printed when `force` or due elsewhere. */
  frame(lines: readonly string[], force = false): void {
    if (this.live()) {
      this.options.write(this.erase() + this.draw(lines));
      return;
    }
    const now = (this.options.now ?? Date.now)();
    if (!force && now - this.lastPlain < (this.options.plainEveryMs ?? 10_000)) return;
    this.lastPlain = now;
    this.options.write(lines.map((line) => `${line}\n`).join('') + '\n');
  }

  note(line: string): void {
    if (this.live()) {
      this.options.write(`${this.erase()}${line}\n${this.draw(this.last)}`);
      return;
    }
    this.options.write(`${line}\n`);
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.options.tty) this.options.write(showCursor);
  }
}
