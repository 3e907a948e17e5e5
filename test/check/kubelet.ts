/**
 * What a kubelet would do with an applied control-plane Deployment, done on this machine: mount its
 * Secret and ConfigMap volumes as files, run its `sinew control-plane` container as a process
 * against the fake API server (listen addresses moved to 127.0.0.1 and free ports), probe the
 * container's readiness endpoint (`/ready` on the admin server), and only then record a Pod for
 * the Deployment with Ready conditions, as the kubelet reports a pod whose probes pass.
 *
 * Contract: the pod is written after the process is ready, never before; a process that never gets
 * ready fails the start. Other containers of the pod (a proxy sidecar once control-plane pods are
 * meshed) are not run: their statuses follow the component's. Run-to-completion init containers
 * are reported terminated.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type ControlPlaneProcess, startControlPlane, waitReady } from '../support/control-plane-process.js';
import type { FakeApiServer, KubeObject } from '../support/fake-api-server.js';

interface Container {
  name: string;
  args?: string[];
  restartPolicy?: string;
  image?: string;
  volumeMounts?: { name: string; mountPath: string }[];
}

interface PodTemplate {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    initContainers?: Container[];
    volumes?: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[];
  };
}

export interface RunningDeployment {
  readonly deployment: string;
  readonly process: ControlPlaneProcess;
  readonly pod: KubeObject;
}

/** Writes each key of the volume's Secret or ConfigMap as a file in `dir`. */
function mountVolume(api: FakeApiServer, namespace: string, volume: NonNullable<PodTemplate['spec']['volumes']>[number], dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  if (volume.secret !== undefined) {
    const secret = api.get('secrets', namespace, volume.secret.secretName);
    if (secret === undefined) throw new Error(`secret ${volume.secret.secretName} is not there to mount`);
    for (const [key, value] of Object.entries((secret.data ?? {}) as Record<string, string>)) fs.writeFileSync(path.join(dir, key), Buffer.from(value, 'base64'));
  } else if (volume.configMap !== undefined) {
    const configMap = api.get('configmaps', namespace, volume.configMap.name);
    if (configMap === undefined) throw new Error(`configmap ${volume.configMap.name} is not there to mount`);
    for (const [key, value] of Object.entries((configMap.data ?? {}) as Record<string, string>)) fs.writeFileSync(path.join(dir, key), value);
  }
}

/** The container's arguments for a local process: `--a=b` split, addresses on 127.0.0.1:0, mount paths moved. */
export function localArgs(args: readonly string[], mounts: ReadonlyMap<string, string>): string[] {
  const split = args.slice(args[0] === 'control-plane' ? 1 : 0).flatMap((arg) => {
    const match = /^(--[^=]+)=(.*)$/.exec(arg);
    return match === null ? [arg] : [match[1] as string, match[2] as string];
  });
  return split.map((arg, index) => {
    const flag = split[index - 1] ?? '';
    if (flag.startsWith('--') && flag.endsWith('-addr')) return '127.0.0.1:0';
    for (const [mountPath, local] of mounts) if (arg === mountPath || arg.startsWith(`${mountPath}/`)) return local + arg.slice(mountPath.length);
    return arg;
  });
}

function podFor(deployment: KubeObject, template: PodTemplate): KubeObject {
  const name = `${deployment.metadata.name}-${randomBytes(5).toString('hex').slice(0, 9)}-${randomBytes(3).toString('hex').slice(0, 5)}`;
  const status = (c: Container, ready: boolean) => ({ name: c.name, ready, image: c.image ?? '', started: ready, restartCount: 0 });
  const init = template.spec.initContainers ?? [];
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: deployment.metadata.namespace ?? 'default', labels: template.metadata.labels ?? {}, annotations: template.metadata.annotations ?? {} },
    spec: template.spec,
    status: {
      phase: 'Running',
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True' })),
      initContainerStatuses: init.map((c) => (c.restartPolicy === 'Always'
        ? status(c, true)
        : { ...status(c, false), state: { terminated: { exitCode: 0, reason: 'Completed' } } })),
      containerStatuses: template.spec.containers.map((c) => status(c, true)),
    },
  };
}

/** Runs the Deployment's control-plane container until it is ready, then records its ready Pod. */
export async function runDeployment(api: FakeApiServer, deployment: KubeObject, kubeconfig: string, dir: string): Promise<RunningDeployment> {
  const namespace = deployment.metadata.namespace ?? 'default';
  const template = (deployment.spec as { template: PodTemplate }).template;
  const container = template.spec.containers.find((c) => c.args?.[0] === 'control-plane');
  if (container === undefined) throw new Error(`deployment ${deployment.metadata.name} runs no sinew control-plane container`);
  const mounts = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const volume = template.spec.volumes?.find((v) => v.name === mount.name);
    if (volume === undefined) continue;
    const local = path.join(dir, deployment.metadata.name, mount.name);
    mountVolume(api, namespace, volume, local);
    mounts.set(mount.mountPath, local);
  }
  const process = await startControlPlane(['--kubeconfig', kubeconfig, ...localArgs(container.args ?? [], mounts)]);
  try {
    await waitReady(process.adminPort, 30_000);
  } catch (error) {
    await process.kill();
    throw new Error(`${deployment.metadata.name} never became ready:\n${process.stderr()}`, { cause: error });
  }
  const pod = api.create('pods', podFor(deployment, template));
  return { deployment: deployment.metadata.name, process, pod };
}
