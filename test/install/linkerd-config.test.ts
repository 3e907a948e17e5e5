/**
 * linkerd-config carries the install's proxy settings to the proxy injector: whatever the flags,
 * the webhook, reading the rendered `values`, injects data-plane pods with the very proxy
 * configuration the control plane's own pods were meshed with (proxy resources aside: see below).
 */
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { injectorConfig } from '../../src/admission/injector-config.js';
import { installMaterial } from '../../src/install/certificates.js';
import { linkerdConfigValues } from '../../src/install/config-manifests.js';
import { installValuesFromFlags } from '../../src/install/install-flags.js';
import { injectMeshConfig } from '../../src/install/mesh.js';

describe('linkerd-config values', function () {
  this.timeout(30_000);

  const variants: readonly Record<string, string | boolean>[] = [
    {},
    { ha: true },
    {
      'linkerd-namespace': 'mesh', 'cluster-domain': 'corp.example', 'identity-trust-domain': 'id.example', 'proxy-image': 'registry.example/proxy:7',
      'image-pull-policy': 'Always', 'proxy-log-level': 'debug', 'proxy-log-format': 'json', 'proxy-uid': '3000', 'admin-port': '5191',
      'control-port': '5190', 'inbound-port': '5143', 'outbound-port': '5140', 'skip-inbound-ports': '25', 'skip-outbound-ports': '3306,4000-4010',
      'opaque-ports': '9000', 'require-identity-on-inbound-ports': '8443', 'default-inbound-policy': 'deny', 'cluster-networks': '10.1.0.0/16,fd01::/16',
    },
  ];

  for (const flags of variants) {
    it(`gives the injector the proxy configuration the control plane was meshed with (${Object.keys(flags).join(', ') || 'defaults'})`, async () => {
      const values = installValuesFromFlags(flags, 'v9.9.9');
      const material = await installMaterial(values, undefined);
      const text = stringify(linkerdConfigValues(values, material.identity));
      const injector = injectorConfig(text, 'linkerd-config', values.namespace);
      const { trustAnchorsFromConfigMap, ...meshed } = injectMeshConfig(values, material);
      assert.equal(trustAnchorsFromConfigMap, true, 'control-plane pods read the anchors from the ConfigMap');
      assert.deepEqual(injector, meshed);
    });
  }
});
