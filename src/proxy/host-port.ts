/** An address as host and port; the host is an IP (no brackets) or a DNS name. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `host:port`, with brackets around an IPv6 host. */
export function hostPortText(address: HostPort): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
