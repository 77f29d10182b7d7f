import { CONTAINER_RUNTIMES, type EtcdContainer, type EtcdService } from '../config/etcd-settings';
import { PATTERNS } from '../parameters/shell-safe';
import type { DocumentParameter } from '../parameters/document-parameter';

/**
 * The document parameters that tell the etcd host programs where etcdctl runs (etcd-client.sh,
 * etcd-container.sh): empty runtime for a host binary, else the container found on every call.
 */
export const ETCD_CONTAINER_PARAMETERS: readonly DocumentParameter[] = [
  { name: 'containerRuntime', description: 'crictl, docker, podman or oc when etcd runs in a container', pattern: `^(${CONTAINER_RUNTIMES.join('|')})$`, optional: true },
  { name: 'containerName', description: "The etcd container's name", pattern: PATTERNS.token, optional: true },
  { name: 'containerNamespace', description: "The etcd pod's namespace", pattern: PATTERNS.token, optional: true },
  { name: 'containerPod', description: "oc: the static pod's name before -<node>", pattern: PATTERNS.token, optional: true },
  { name: 'sharedHostDir', description: 'A dir the container shares with the host, as the host sees it', pattern: PATTERNS.absolutePath, optional: true },
  { name: 'sharedContainerDir', description: 'The same dir inside the container', pattern: PATTERNS.absolutePath, optional: true },
];

/** How a member is stopped and started (etcd-service.sh): commands, or a static pod manifest moved out and back. */
export const ETCD_SERVICE_PARAMETERS: readonly DocumentParameter[] = [
  { name: 'stopCommand', description: 'Stops the member (systemd and the like)', pattern: PATTERNS.commandWords, optional: true },
  { name: 'startCommand', description: 'Starts the member', pattern: PATTERNS.commandWords, optional: true },
  { name: 'staticPodManifest', description: "The member's static pod manifest, moved out of and back into its dir", pattern: PATTERNS.absolutePath, optional: true },
  { name: 'healthTimeoutSeconds', description: 'How long a stop, start or health check waits', pattern: '^[0-9]{1,6}$' },
];

export function etcdContainerValues(container: EtcdContainer | undefined): Record<string, string> {
  return {
    containerRuntime: container?.runtime ?? '',
    containerName: container?.name ?? '',
    containerNamespace: container?.namespace ?? '',
    containerPod: container?.pod ?? '',
    sharedHostDir: container?.sharedDir.host ?? '',
    sharedContainerDir: container?.sharedDir.container ?? '',
  };
}

export function etcdServiceValues(service: EtcdService): Record<string, string> {
  const staticPod = 'staticPod' in service;
  return {
    stopCommand: staticPod ? '' : service.stop,
    startCommand: staticPod ? '' : service.start,
    staticPodManifest: staticPod ? service.staticPod.manifest : '',
    healthTimeoutSeconds: String(service.healthTimeoutSeconds),
  };
}

/** What stopping and starting a member does, in the words a dry run shows. */
export function serviceActions(service: EtcdService): { stop: string; start: string } {
  if (!('staticPod' in service)) return { stop: service.stop, start: service.start };
  const { manifest } = service.staticPod;
  const held = `${manifest.slice(0, manifest.lastIndexOf('/'))}-stopped/`;
  return {
    stop: `move ${manifest} to ${held} and wait until the kubelet has removed the container`,
    start: `move ${manifest} back from ${held} and wait until the kubelet runs the container`,
  };
}
