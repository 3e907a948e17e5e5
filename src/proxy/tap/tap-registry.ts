/**
 * The proxy's live taps: the sessions still claiming requests, and one `active` flag the data path
 * reads for every request. While no tap is active, that read is all a request costs.
 *
 * Contract: `active` is true exactly while at least one registered session still claims requests
 * (it is a plain field, updated on register and retire, never computed per read). `claims` offers
 * a request to every such session, in registration order, and answers the sessions that took it
 * with the stream id each gave it (empty when none did). Session bases are distinct per registry
 * (a counter, as Linkerd's proxy numbers its tap calls).
 */
import type { TapRequestFacts } from './tap-match.js';
import { openTapSession, type TapSession, type TapSessionOptions } from './tap-session.js';

export interface TapClaim {
  readonly session: TapSession;
  readonly id: number;
}

export interface TapRegistry {
  /** Read by the data path on every request: false means nothing else needs doing. */
  readonly active: boolean;
  /** Opens and registers a session; its base comes from the registry. */
  open(options: Omit<TapSessionOptions, 'base' | 'onRetired'>): TapSession;
  /** The sessions that take a request with these facts. */
  claims(facts: TapRequestFacts): TapClaim[];
}

export function createTapRegistry(): TapRegistry {
  let sessions: readonly TapSession[] = [];
  let nextBase = 0;
  const registry = {
    active: false,
    open: (options: Omit<TapSessionOptions, 'base' | 'onRetired'>): TapSession => {
      const base = nextBase;
      nextBase = (nextBase + 1) >>> 0;
      const session = openTapSession({
        ...options, base,
        onRetired: () => {
          sessions = sessions.filter((other) => other !== session);
          registry.active = sessions.length > 0;
        },
      });
      sessions = [...sessions, session];
      registry.active = true;
      return session;
    },
    claims: (facts: TapRequestFacts): TapClaim[] => {
      const taken: TapClaim[] = [];
      for (const session of sessions) {
        const id = session.claim(facts);
        if (id !== undefined) taken.push({ session, id });
      }
      return taken;
    },
  };
  return registry;
}
