/** The proxy injector's configuration, read from the install's values as linkerd-config carries them. */
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { InjectorConfigError, injectorConfig } from '../../src/admission/injector-config.js';
import { defaultMeshConfig } from '../../src/inject/index.js';

describe('proxy injector configuration', () => {
  it('takes the proxy image, ports, policy, networks and trust anchors from the values, defaults for the rest', () => {
    const config = injectorConfig(stringify({
      clusterDomain: 'example.org', identityTrustDomain: 'mesh.example.org', identityTrustAnchorsPEM: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      clusterNetworks: '10.0.0.0/8',
      proxy: { image: { name: 'registry.example/sinew', version: 'v9' }, logLevel: 'debug', resources: { cpu: { request: '100m', limit: '' }, memory: { request: '20Mi', limit: '250Mi' } }, ports: { inbound: 5143, outbound: 5140, admin: 5191, control: 5190 }, defaultInboundPolicy: 'deny' },
      proxyInit: { ignoreInboundPorts: '25', ignoreOutboundPorts: '443' },
      unrelated: { key: true },
    }), 'values', 'sinew-system');
    assert.equal(config.controllerNamespace, 'sinew-system');
    assert.equal(config.clusterDomain, 'example.org');
    assert.equal(config.trustDomain, 'mesh.example.org');
    assert.match(config.trustAnchorsPem ?? '', /BEGIN CERTIFICATE/);
    assert.equal(config.proxy.image, 'registry.example/sinew');
    assert.equal(config.proxy.version, 'v9');
    assert.equal(config.proxy.logLevel, 'debug');
    assert.deepEqual(config.proxy.ports, { inbound: 5143, outbound: 5140, admin: 5191, control: 5190 });
    assert.equal(config.proxy.defaultInboundPolicy, 'deny');
    assert.equal(config.proxy.clusterNetworks, '10.0.0.0/8');
    assert.equal(config.proxy.skipInboundPorts, '25');
    assert.equal(config.proxy.skipOutboundPorts, '443');
    assert.equal(config.proxy.uid, defaultMeshConfig().proxy.uid);
    assert.deepEqual(config.proxy.resources, { cpuRequest: '100m', memoryRequest: '20Mi', memoryLimit: '250Mi' });
  });

  it('refuses values it cannot use, naming the key, rather than inject with half of them', () => {
    assert.throws(() => injectorConfig('proxy: { defaultInboundPolicy: allow-everyone }', 'values.yaml', 'linkerd'),
      (error: Error) => error instanceof InjectorConfigError && /values\.yaml: proxy\.defaultInboundPolicy/.test(error.message));
    assert.throws(() => injectorConfig('proxy: { ports: { inbound: 0, outbound: 1, admin: 2, control: 3 } }', 'values.yaml', 'linkerd'),
      /proxy\.ports\.inbound/);
    assert.throws(() => injectorConfig('proxy: [unclosed', 'values.yaml', 'linkerd'), /values\.yaml: not YAML/);
  });
});
