/**
 * Transport metrics as Linkerd's proxy exports them: `tcp_open_total`, `tcp_open_connections`,
 * `tcp_read_bytes_total`, `tcp_write_bytes_total` and `tcp_close_total{errno}`, labelled by
 * direction, peer (`src`: accepted by the proxy; `dst`: opened by the proxy) and the peer's
 * address, TLS and policy or destination labels.
 *
 * Contract: `tcpConnection` resolves the connection's series once; `read`/`write` are one add
 * each. `close` is idempotent: the first call lowers `tcp_open_connections`, counts the close
 * under `errno` (an OS error name such as ECONNRESET, or "" for a clean close or an error that is
 * not an OS error) and gives the series back (they are held while the connection is open, so a
 * long-lived connection's series are never swept); bytes counted after it are still added.
 */
import type { CounterFamily, CounterLease, GaugeFamily, GaugeLease } from './bounded-family.js';
import { joinLabels, type LabelText, labelText } from './label-set.js';
import {
  type AcceptTls, acceptTlsLabels, authorityLabels, type ConnectTls, connectTlsLabels, directionLabels, dstLabels,
  serverLabels, type ServerRef, type SocketTarget, targetLabels,
} from './linkerd-labels.js';
import type { MetricRegistry } from './metric-registry.js';

export type TcpPeerLabels =
  | { readonly direction: 'inbound'; readonly peer: 'src'; readonly target: SocketTarget; readonly tls: AcceptTls; readonly server?: ServerRef }
  | { readonly direction: 'inbound'; readonly peer: 'dst' }
  | { readonly direction: 'outbound'; readonly peer: 'src'; readonly target: SocketTarget }
  | {
    readonly direction: 'outbound';
    readonly peer: 'dst';
    readonly target: SocketTarget;
    readonly tls: ConnectTls;
    readonly authority?: string;
    readonly dst?: Readonly<Record<string, string>>;
  };

export interface TcpConnectionMetrics {
  read(bytes: number): void;
  write(bytes: number): void;
  close(errno?: string): void;
}

export interface TcpFamilies {
  readonly opened: CounterFamily;
  readonly open: GaugeFamily;
  readonly readBytes: CounterFamily;
  readonly writeBytes: CounterFamily;
  readonly closed: CounterFamily;
}

export function registerTcpFamilies(registry: MetricRegistry): TcpFamilies {
  return {
    opened: registry.counter('tcp_open_total', 'TCP connections opened'),
    open: registry.gauge('tcp_open_connections', 'TCP connections open now'),
    readBytes: registry.counter('tcp_read_bytes_total', 'Bytes read from peers'),
    writeBytes: registry.counter('tcp_write_bytes_total', 'Bytes written to peers'),
    closed: registry.counter('tcp_close_total', 'TCP connections closed, by the OS error that closed them ("" when clean)'),
  };
}

const loopback = labelText([['tls', 'no_identity'], ['no_tls_reason', 'loopback']]);

export function tcpPeerLabels(labels: TcpPeerLabels): LabelText {
  const head = joinLabels(directionLabels(labels.direction), labelText([['peer', labels.peer]]));
  if (labels.direction === 'inbound') {
    if (labels.peer === 'dst') return joinLabels(head, loopback);
    const server = labels.server === undefined ? labelText([]) : serverLabels(labels.server);
    return joinLabels(head, targetLabels(labels.target), acceptTlsLabels(labels.tls), server);
  }
  if (labels.peer === 'src') return joinLabels(head, targetLabels(labels.target), loopback);
  return joinLabels(
    head, authorityLabels(labels.authority), targetLabels(labels.target), connectTlsLabels(labels.tls),
    labels.dst === undefined ? labelText([]) : dstLabels(labels.dst),
  );
}

export function tcpConnection(families: TcpFamilies, labels: LabelText): TcpConnectionMetrics {
  return new ConnectionMetrics(families, labels);
}

const errnoName = /^E[A-Z0-9]{1,31}$/;

class ConnectionMetrics implements TcpConnectionMetrics {
  private readonly opened: CounterLease;
  private readonly open: GaugeLease;
  private readonly readBytes: CounterLease;
  private readonly writeBytes: CounterLease;
  private closed = false;

  constructor(private readonly families: TcpFamilies, private readonly labels: LabelText) {
    this.opened = families.opened.lease(labels);
    this.opened.inc();
    this.open = families.open.lease(labels);
    this.open.inc();
    this.readBytes = families.readBytes.lease(labels);
    this.writeBytes = families.writeBytes.lease(labels);
  }

  read(bytes: number): void {
    this.readBytes.inc(bytes);
  }

  write(bytes: number): void {
    this.writeBytes.inc(bytes);
  }

  close(errno?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.open.dec();
    const code = errno !== undefined && errnoName.test(errno) ? errno : '';
    this.families.closed.add(joinLabels(this.labels, labelText([['errno', code]])));
    this.opened.release();
    this.open.release();
    this.readBytes.release();
    this.writeBytes.release();
  }
}
