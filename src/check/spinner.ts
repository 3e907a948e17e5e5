/**
 * A one-line spinner for a terminal: `| waiting for check to complete`, redrawn in place every
 * `intervalMs`. Only for a TTY; on anything else the caller uses no spinner at all, so logs hold
 * results, not animation.
 *
 * Contract: `start` (re)starts it with a message and draws at once; `stop` erases the line and
 * leaves the cursor at its start; both are idempotent. The timer is unref'd: a spinner never keeps
 * the process alive.
 */
export interface Spinner {
  start(message: string): void;
  stop(): void;
}

const frames = ['|', '/', '-', '\\'] as const;

export function terminalSpinner(write: (text: string) => void, intervalMs = 100): Spinner {
  let timer: NodeJS.Timeout | undefined;
  let frame = 0;
  let message = '';
  const draw = (): void => {
    write(`\r\x1b[K${frames[frame % frames.length] ?? '|'} ${message}`);
    frame += 1;
  };
  return {
    start(text) {
      message = text;
      if (timer === undefined) {
        timer = setInterval(draw, intervalMs);
        timer.unref();
      }
      draw();
    },
    stop() {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
      write('\r\x1b[K');
    },
  };
}
