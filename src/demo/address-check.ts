/**
 * Before the demo starts anything: can this machine give every pod its loopback address, and are
 * the proxies' ports there free? Linux routes all of 127.0.0.0/8 to loopback; macOS has only
 * 127.0.0.1 unless aliases are added; another demo still running holds the ports.
 *
 * Contract: resolves when a listener could be opened (and closed again) on every address at the
 * admin port; otherwise rejects with DemoAddressError saying what to do. It changes nothing.
 */
import net from 'node:net';

export class DemoAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoAddressError';
  }
}

function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

export async function checkAddresses(addresses: readonly string[], port: number): Promise<void> {
  for (const host of addresses) {
    const error = await tryListen(host, port);
    if (error === undefined) continue;
    if (error.code === 'EADDRNOTAVAIL') {
      throw new DemoAddressError(`this machine cannot listen on ${host}, the address of one of the demo's pods: its loopback interface `
        + `has only some of 127.0.0.0/8 (macOS, for one, has 127.0.0.1 alone; add the demo's addresses with 'sudo ifconfig lo0 alias ${host} up' and the like)`);
    }
    if (error.code === 'EADDRINUSE') {
      throw new DemoAddressError(`${host}:${port} is in use: is another sinew demo still running? (its pods take the same addresses)`);
    }
    throw new DemoAddressError(`cannot listen on ${host}:${port}: ${error.message}`);
  }
}
