/**
 * The original destination of a connection that netfilter (iptables REDIRECT, as `proxy-init`
 * installs) sent to the proxy: the address the client dialled before the redirect.
 *
 * Contract:
 * - `originalDestination(socket)` asks the kernel on every call (nothing is cached) through the
 *   native addon `build/Release/original_dst.node` (built by `npm ci`, or `npm run build:native`),
 *   loaded once on first use.
 * - It returns undefined when the connection was not redirected: the kernel keeps no record of it
 *   (ENOENT, or ENOPROTOOPT when connection tracking is not loaded), or the record names the
 *   socket's own local address. Otherwise `{ host, port }`, the host in the usual text form
 *   (`10.0.0.1`, `fd00::1`; an IPv4 destination reached through a dual-stack socket is plain IPv4).
 * - It throws OriginalDstUnavailableError when the addon cannot be loaded, and OriginalDstError
 *   (with the errno name as `code`) when the socket has no descriptor (not connected, or closed) or
 *   the kernel refuses for another reason. It never crashes the process.
 */
import { createRequire } from 'node:module';
import { isIPv4 } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';

export interface OriginalDestination {
  readonly host: string;
  readonly port: number;
}

export class OriginalDstUnavailableError extends Error {
  override readonly name = 'OriginalDstUnavailableError';
}

export class OriginalDstError extends Error {
  override readonly name = 'OriginalDstError';
  constructor(
    message: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

interface Addon {
  originalDst(fd: number): { host: string; port: number };
}

/** From dist/src/proxy/ (where this file is compiled to) up to the package root. */
const ADDON_PATH = fileURLToPath(new URL('../../../build/Release/original_dst.node', import.meta.url));

let loaded: Addon | OriginalDstUnavailableError | undefined;

function addon(): Addon {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)(ADDON_PATH) as Addon;
    } catch (error) {
      loaded = new OriginalDstUnavailableError(
        `the native addon ${ADDON_PATH} that reads original destinations cannot be loaded ` +
          `(build it with \`npm run build:native\`, which needs python3, make and a C compiler): ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  if (loaded instanceof OriginalDstUnavailableError) throw loaded;
  return loaded;
}

/** The file descriptor under a connected net.Socket, or undefined when it has none. */
export function socketDescriptor(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

const NOT_REDIRECTED = new Set(['ENOENT', 'ENOPROTOOPT']);

export function originalDestination(socket: Socket): OriginalDestination | undefined {
  const fd = socketDescriptor(socket);
  if (fd === undefined) {
    throw new OriginalDstError('cannot read the original destination of a socket that has no file descriptor (not connected, or closed)', 'EBADF');
  }
  let found: { host: string; port: number };
  try {
    found = addon().originalDst(fd);
  } catch (error) {
    if (error instanceof OriginalDstUnavailableError) throw error;
    const code = String((error as { code?: unknown }).code ?? 'EUNKNOWN');
    if (NOT_REDIRECTED.has(code)) return undefined;
    throw new OriginalDstError(`cannot read the original destination: ${(error as Error).message}`, code, { cause: error });
  }
  const local = unmapped(socket.localAddress ?? '');
  return found.host === local && found.port === socket.localPort ? undefined : { host: found.host, port: found.port };
}

/** `::ffff:10.0.0.1` as `10.0.0.1`; any other address unchanged. */
function unmapped(address: string): string {
  const prefix = '::ffff:';
  return address.toLowerCase().startsWith(prefix) && isIPv4(address.slice(prefix.length)) ? address.slice(prefix.length) : address;
}
