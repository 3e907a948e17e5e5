import assert from 'node:assert/strict';
import { parseProxyEnv, ProxyEnvError } from '../../src/proxy/proxy-env.js';

const withIdentity = {
  LINKERD2_PROXY_IDENTITY_DIR: '/var/run/linkerd/identity/end-entity',
  LINKERD2_PROXY_IDENTITY_TOKEN_FILE: '/var/run/secrets/tokens/linkerd-identity-token',
  LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS: '-----BEGIN CERTIFICATE-----\n',
  LINKERD2_PROXY_IDENTITY_LOCAL_NAME: 'web.shop.serviceaccount.identity.linkerd.cluster.local',
  LINKERD2_PROXY_IDENTITY_SVC_ADDR: '127.0.0.1:8080',
};
const tapName = 'tap.linkerd-viz.serviceaccount.identity.linkerd.cluster.local';

describe('LINKERD2_PROXY_TAP_SVC_NAME', () => {
  it('names the one client tap is served to; unset or empty, tap is off', () => {
    assert.equal(parseProxyEnv({ ...withIdentity, LINKERD2_PROXY_TAP_SVC_NAME: tapName }).tapSvcName, tapName);
    assert.equal(parseProxyEnv(withIdentity).tapSvcName, undefined);
    assert.equal(parseProxyEnv({ ...withIdentity, LINKERD2_PROXY_TAP_SVC_NAME: '' }).tapSvcName, undefined);
  });

  it('is refused, naming the variable, when it is not a name or identity is disabled', () => {
    const problems = (env: Record<string, string>): readonly string[] => {
      try {
        parseProxyEnv(env);
        return [];
      } catch (error) {
        assert.ok(error instanceof ProxyEnvError);
        return error.problems;
      }
    };
    assert.deepEqual(problems({ ...withIdentity, LINKERD2_PROXY_TAP_SVC_NAME: 'tap svc' }), ['LINKERD2_PROXY_TAP_SVC_NAME: "tap svc" is not a DNS name']);
    assert.deepEqual(problems({ LINKERD2_PROXY_IDENTITY_DISABLED: 'true', LINKERD2_PROXY_TAP_SVC_NAME: tapName }),
      ['LINKERD2_PROXY_TAP_SVC_NAME: needs identity, but LINKERD2_PROXY_IDENTITY_DISABLED is set']);
  });
});
