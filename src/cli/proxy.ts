/**
 * `sinew proxy`: runs the sidecar proxy. Configured only by its environment, as Linkerd's proxy
 * is (the same injected pod spec runs either): see src/proxy/proxy-env.ts for every variable.
 * Runs until SIGTERM or SIGINT (or POST /shutdown when enabled), then stops accepting and lets
 * requests in flight finish within LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD.
 */
import { createLogger } from '../observe/logger.js';
import { followLogLevel, logLevelSetting } from '../proxy/log-level.js';
import { startProxy } from '../proxy/proxy.js';
import { parseProxyEnv, ProxyEnvError } from '../proxy/proxy-env.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';
import { sinewVersion } from './sinew-version.js';

export const proxyHelp = `Usage: sinew proxy

Runs the sidecar proxy: outbound on 127.0.0.1:4140, inbound on 0.0.0.0:4143, admin on 4191.
It takes no flags: it reads Linkerd's proxy environment variables (LINKERD2_PROXY_*), with their
meanings and defaults, as \`sinew inject\` and the injector write them. The main ones:

  LINKERD2_PROXY_IDENTITY_LOCAL_NAME, _IDENTITY_SVC_ADDR, _IDENTITY_SVC_NAME, _IDENTITY_TRUST_ANCHORS,
  _IDENTITY_TOKEN_FILE, _IDENTITY_DIR     identity (LINKERD2_PROXY_IDENTITY_DISABLED turns it off)
  LINKERD2_PROXY_DESTINATION_SVC_ADDR, _DESTINATION_SVC_NAME, _DESTINATION_CONTEXT
  LINKERD2_PROXY_POLICY_SVC_ADDR, _POLICY_SVC_NAME, _POLICY_WORKLOAD, _INBOUND_DEFAULT_POLICY
  LINKERD2_PROXY_INBOUND_PORTS, _INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION, _INBOUND_PORTS_REQUIRE_IDENTITY
  LINKERD2_PROXY_{INBOUND,OUTBOUND,ADMIN}_LISTEN_ADDR, _{INBOUND,OUTBOUND}_CONNECT_TIMEOUT,
  _{INBOUND,OUTBOUND}_DETECT_TIMEOUT, _SHUTDOWN_GRACE_PERIOD, _SHUTDOWN_ENDPOINT_ENABLED, _LOG, _LOG_FORMAT

A malformed variable stops start-up with a message naming it; unknown variables are ignored.

Without iptables (local use), two Sinew variables stand in for the redirect:
  SINEW_PROXY_ORIGINAL_DST_MAP   comma list of inbound|outbound:LISTEN_HOST:PORT=TARGET_HOST:PORT: the
                                 proxy also listens on LISTEN and treats its connections as if they had
                                 been redirected from TARGET (what SO_ORIGINAL_DST would have said)
  SINEW_PROXY_INBOUND_FORWARD_HOST  where inbound traffic goes, on its original port (default 127.0.0.1)
  SINEW_PROXY_OUTBOUND_BIND_HOST    the source address of outbound connections (default: the kernel's choice)
  SINEW_PROXY_HTTP_HEADER_TIMEOUT   how long an HTTP/1 client may take to send a request head (default 10s)
`;

export async function proxyCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    io.out(proxyHelp);
    return 0;
  }
  if (argv.length > 0) throw new UsageError(`sinew proxy takes no arguments (it reads LINKERD2_PROXY_* variables), got ${JSON.stringify(argv[0])}`);
  let env;
  try {
    env = parseProxyEnv(process.env);
  } catch (error) {
    if (error instanceof ProxyEnvError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const logLevel = logLevelSetting(env.log);
  const log = followLogLevel(logLevel, createLogger({ level: 'debug', format: env.logFormat === 'json' ? 'json' : 'logfmt' }));
  let stopRequested: () => void = () => undefined;
  const stopped = new Promise<string>((resolve) => {
    stopRequested = () => resolve('/shutdown');
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const proxy = await startProxy({ env, rawEnv: process.env, log, logLevel, version: sinewVersion(), onShutdown: () => stopRequested() });
  const reason = await stopped;
  log.info('stopping: draining connections', { reason, graceMs: env.shutdownGracePeriodMs });
  await proxy.stop(env.shutdownGracePeriodMs);
  log.info('proxy stopped');
  return 0;
}
