/**
 * The HTTP/1.1 load generator of the proxy benchmark, the same for every path it compares: a fixed
 * pool of keep-alive connections over raw sockets (so the client's own cost is small and equal for
 * every path), each carrying one request at a time (no pipelining). Measures nothing by itself.
 *
 * - `pacedRun`: open loop. Requests become due at a fixed rate whatever the answers do; a due
 *   request waits for a free connection, and that wait counts in its latency. Latency runs from
 *   the moment the request became due in this process (the timer tick that released it) to the
 *   last byte of its answer: the timer's own lateness (Node timers have 1 ms granularity) is
 *   excluded, queueing behind slow answers is not.
 * - `closedRun`: closed loop. Every connection sends its next request as soon as the last one is
 *   answered, for a fixed time: the highest rate the path sustains with that many connections.
 *
 * Both are bounded in count and in time: a run stops at its request count or its time cap,
 * whichever comes first, and a request still unanswered at the cap counts as an error. Any answer
 * other than 200, and any connection that fails under a request, counts as an error too.
 */
import net from 'node:net';

export interface LoadTarget {
  readonly host: string;
  readonly port: number;
  /** Host header, e.g. the Service's name. */
  readonly authority: string;
  readonly path: string;
}

interface Answer {
  readonly status: number;
  readonly consumed: number;
  readonly close: boolean;
}

/** Parses one complete response at the start of `buffer`, or returns undefined when more bytes are needed. */
export function parseAnswer(buffer: Buffer): Answer | undefined {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const head = buffer.toString('latin1', 0, headEnd);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN);
  if (Number.isNaN(status)) throw new Error(`not an HTTP/1.1 response: ${JSON.stringify(head.slice(0, 80))}`);
  const close = /\r\nconnection:\s*close/i.test(head);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
  const bodyStart = headEnd + 4;
  if (length !== undefined) return buffer.length >= bodyStart + Number(length) ? { status, consumed: bodyStart + Number(length), close } : undefined;
  if (!/\r\ntransfer-encoding:\s*chunked/i.test(head)) return { status, consumed: bodyStart, close };
  let at = bodyStart;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buffer.toString('latin1', at, lineEnd), 16);
    if (size === 0) {
      const end = buffer.indexOf('\r\n\r\n', lineEnd);
      return end < 0 ? undefined : { status, consumed: end + 4, close };
    }
    at = lineEnd + 2 + size + 2;
    if (at > buffer.length) return undefined;
  }
}

const requestTimeoutMs = 5000;

/** One keep-alive connection, reopened when the server closes it between requests. */
class Connection {
  private socket: net.Socket | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: ((outcome: number | Error) => void) | undefined;
  private deadline: NodeJS.Timeout | undefined;

  constructor(private readonly target: LoadTarget, private readonly request: Buffer) {}

  /** Sends one request; resolves to the status, or to an Error when the connection failed under it or it took too long. */
  send(): Promise<number | Error> {
    const socket = this.socket ?? this.open();
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.deadline = setTimeout(() => {
        this.close();
        this.settle(new Error(`no answer within ${requestTimeoutMs} ms`));
      }, requestTimeoutMs);
      socket.write(this.request);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): net.Socket {
    const socket = net.connect({ host: this.target.host, port: this.target.port, noDelay: true });
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (error: Error): void => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.settle(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the connection closed with a request in flight')));
    return socket;
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let answer: Answer | undefined;
    try {
      answer = parseAnswer(this.buffer);
    } catch (error) {
      this.close();
      this.settle(error as Error);
      return;
    }
    if (answer === undefined) return;
    this.buffer = this.buffer.subarray(answer.consumed);
    if (answer.close) this.close();
    this.settle(answer.status);
  }

  private settle(outcome: number | Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    clearTimeout(this.deadline);
    waiting?.(outcome);
  }
}

function requestBytes(target: LoadTarget): Buffer {
  return Buffer.from(`GET ${target.path} HTTP/1.1\r\nhost: ${target.authority}\r\nuser-agent: sinew-bench\r\naccept: */*\r\n\r\n`, 'latin1');
}

export interface PacedOptions {
  readonly rate: number;
  readonly count: number;
  readonly connections: number;
  readonly capMs: number;
  /** Called about once a second during the run (for RSS samples). */
  readonly onSecond?: () => void;
}

export interface PacedResult {
  /** Latencies of the answered requests, in ms, in completion order. */
  readonly latenciesMs: readonly number[];
  readonly errors: number;
  readonly seconds: number;
}

export async function pacedRun(target: LoadTarget, options: PacedOptions): Promise<PacedResult> {
  const pool = Array.from({ length: options.connections }, () => new Connection(target, requestBytes(target)));
  const idle = [...pool];
  const due: number[] = [];
  const latenciesMs: number[] = [];
  let released = 0;
  let finished = 0;
  let errors = 0;
  const periodMs = 1000 / options.rate;
  const start = performance.now();
  let nextSecond = start + 1000;
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    const dispatch = (): void => {
      while (idle.length > 0 && due.length > 0) {
        const connection = idle.pop() as Connection;
        const dueAt = due.shift() as number;
        void connection.send().then((outcome) => {
          if (outcome === 200) latenciesMs.push(performance.now() - dueAt);
          else errors += 1;
          finished += 1;
          idle.push(connection);
          if (finished === options.count) resolve();
          else dispatch();
        });
      }
    };
    const tick = (): void => {
      const now = performance.now();
      if (now - start > options.capMs) return resolve();
      const target = Math.min(options.count, Math.floor((now - start) / periodMs) + 1);
      for (; released < target; released++) due.push(now);
      dispatch();
      if (now >= nextSecond) {
        nextSecond += 1000;
        options.onSecond?.();
      }
      const wait = released < options.count ? start + released * periodMs - performance.now() : nextSecond - performance.now();
      timer = setTimeout(tick, Math.max(0, wait));
    };
    tick();
  });
  await done;
  clearTimeout(timer);
  const seconds = (performance.now() - start) / 1000;
  for (const connection of pool) connection.close();
  return { latenciesMs, errors: errors + (options.count - finished), seconds };
}

export interface ClosedOptions {
  readonly connections: number;
  readonly durationMs: number;
  readonly maxRequests: number;
}

export interface ClosedResult {
  readonly answered: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
}

export async function closedRun(target: LoadTarget, options: ClosedOptions): Promise<ClosedResult> {
  const pool = Array.from({ length: options.connections }, () => new Connection(target, requestBytes(target)));
  const start = performance.now();
  const end = start + options.durationMs;
  let started = 0;
  let answered = 0;
  let errors = 0;
  const lane = async (connection: Connection): Promise<void> => {
    while (performance.now() < end && started < options.maxRequests) {
      started += 1;
      const outcome = await connection.send();
      if (outcome === 200) answered += 1;
      else errors += 1;
    }
  };
  await Promise.all(pool.map(lane));
  const seconds = (performance.now() - start) / 1000;
  for (const connection of pool) connection.close();
  return { answered, errors, seconds, perSecond: answered / seconds };
}

/** The p-th percentile (0 to 100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
