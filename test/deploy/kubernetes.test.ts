/**
 * deploy/kubernetes/: parsed with the `yaml` package and checked for the wiring that a typo
 * would silently break (mounts without volumes, a ConfigMap name that does not match, args that
 * point elsewhere than the mounts, capabilities that differ from the systemd unit's), plus
 * yamllint over all of deploy/ when it is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CLI_MISSING, cliBuilt, onPath, repoPath, runCli, unitSettings } from './repo.js';

const DIR = repoPath('deploy/kubernetes');

interface Manifest {
  file: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** Every YAML document under deploy/kubernetes, failing on any parse error or warning. */
function loadManifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(readFileSync(path.join(DIR, file), 'utf8'))) {
      expect([...doc.errors, ...doc.warnings].map((e) => `${file}: ${e.message}`)).toEqual([]);
      const value = doc.toJS() as Manifest | null;
      if (value !== null) out.push({ ...value, file });
    }
  }
  return out;
}

const manifests = loadManifests();
const one = (kind: string): Manifest => {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found.map((m) => m.metadata.name), `exactly one ${kind}`).toHaveLength(1);
  return found[0]!;
};

interface Container {
  name: string;
  image: string;
  command?: string[];
  args: string[];
  env: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: {
    runAsUser?: number;
    privileged?: boolean;
    readOnlyRootFilesystem: boolean;
    allowPrivilegeEscalation: boolean;
    capabilities: { drop: string[]; add: string[] };
  };
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean; subPath?: string }>;
}
interface PodSpec {
  serviceAccountName: string;
  hostNetwork: boolean;
  hostPID: boolean;
  tolerations: Array<{ key?: string; operator: string; effect?: string }>;
  containers: Container[];
  volumes: Array<{ name: string; hostPath?: { path: string }; configMap?: { name: string } }>;
}
interface DaemonSet extends Manifest {
  spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

const daemonSet = one('DaemonSet') as DaemonSet;
const pod = daemonSet.spec.template.spec;
const container = pod.containers[0]!;
const volume = (name: string) => pod.volumes.find((v) => v.name === name);
const mountOf = (predicate: (v: PodSpec['volumes'][number]) => boolean) => {
  const v = pod.volumes.find(predicate);
  return container.volumeMounts.find((m) => m.name === v?.name);
};
/** The value after a flag in the container args. */
const argAfter = (flag: string): string | undefined => container.args[container.args.indexOf(flag) + 1];

describe('kubernetes manifests', () => {
  it('kustomization.yaml lists every other manifest, and all namespaced objects share one namespace', () => {
    const kustomization = manifests.find((m) => m.kind === 'Kustomization') as (Manifest & { resources: string[] }) | undefined;
    const files = [...new Set(manifests.filter((m) => m.kind !== 'Kustomization').map((m) => m.file))].sort();
    expect([...(kustomization?.resources ?? [])].sort()).toEqual(files);
    const namespace = one('Namespace').metadata.name;
    for (const m of manifests.filter((x) => x.kind !== 'Namespace' && x.kind !== 'Kustomization')) {
      expect(m.metadata.namespace, `${m.kind} ${m.metadata.name}`).toBe(namespace);
    }
  });

  it('the DaemonSet runs on every node in the host network and pid namespaces, under its ServiceAccount', () => {
    expect(pod.hostNetwork).toBe(true);
    expect(pod.hostPID).toBe(true);
    expect(pod.serviceAccountName).toBe(one('ServiceAccount').metadata.name);
    expect(pod.tolerations).toContainEqual({ operator: 'Exists' });
    expect(daemonSet.spec.template.metadata.labels).toMatchObject(daemonSet.spec.selector.matchLabels);
    expect(pod.containers).toHaveLength(1);
  });

  it('every volumeMount has a volume, and volume names are unique', () => {
    expect(new Set(pod.volumes.map((v) => v.name)).size).toBe(pod.volumes.length);
    for (const m of container.volumeMounts) expect(volume(m.name), `volume for mount ${m.name}`).toBeDefined();
  });

  it('host /proc and /sys are mounted read-only where --procfs and --sysfs point', () => {
    const proc = mountOf((v) => v.hostPath?.path === '/proc');
    const sys = mountOf((v) => v.hostPath?.path === '/sys');
    expect(proc).toMatchObject({ mountPath: '/host/proc', readOnly: true });
    expect(sys).toMatchObject({ mountPath: '/host/sys', readOnly: true });
    expect(argAfter('--procfs')).toBe(proc!.mountPath);
    expect(argAfter('--sysfs')).toBe(sys!.mountPath);
  });

  it('rules come from the ConfigMap, mounted whole (no subPath, so `..data` swaps reload) where --rules points', () => {
    const configMap = one('ConfigMap');
    const rules = mountOf((v) => v.configMap?.name === configMap.metadata.name);
    expect(rules).toMatchObject({ mountPath: '/etc/netstat-otel/rules', readOnly: true });
    expect(rules!.subPath).toBeUndefined();
    expect(argAfter('--rules')).toBe(rules!.mountPath);
  });

  it('undelivered alerts are kept on the node: --state-dir is a writable hostPath mount', () => {
    const state = mountOf((v) => v.hostPath?.path === '/var/lib/netstat-otel');
    expect(state).toMatchObject({ mountPath: '/var/lib/netstat-otel' });
    expect(state!.readOnly).toBeFalsy();
    expect(argAfter('--state-dir')).toBe(state!.mountPath);
  });

  it('image and args match the Dockerfile: its ENTRYPOINT runs, with its CMD plus --rules and --state-dir', () => {
    const dockerfile = readFileSync(repoPath('Dockerfile'), 'utf8');
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(container.command).toBeUndefined();
    expect(container.image).toMatch(/(^|\/)netstat-otel:[\w.-]+$/);
    expect(container.args).toEqual([...cmd, '--rules', '/etc/netstat-otel/rules', '--state-dir', '/var/lib/netstat-otel']);
  });

  it('exports OTLP to the node-local collector at status.hostIP', () => {
    const names = container.env.map((e) => e.name);
    const hostIp = container.env.find((e) => e.valueFrom?.fieldRef?.fieldPath === 'status.hostIP');
    expect(hostIp).toBeDefined();
    const endpoint = container.env.find((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(endpoint?.value).toBe(`http://$(${hostIp!.name}):4318`);
    // $(VAR) expands only for variables defined earlier in the list.
    expect(names.indexOf(hostIp!.name)).toBeLessThan(names.indexOf('OTEL_EXPORTER_OTLP_ENDPOINT'));
  });

  it('has resource requests and limits (limit >= request)', () => {
    const bytes = (q: string): number => {
      const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
      expect(m, `quantity ${q}`).not.toBeNull();
      return Number(m![1]) * ({ Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[m![2] as 'Ki'] ?? 1);
    };
    const cpu = (q: string): number => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
    const { requests, limits } = container.resources;
    expect(bytes(limits['memory']!)).toBeGreaterThanOrEqual(bytes(requests['memory']!));
    expect(cpu(limits['cpu']!)).toBeGreaterThanOrEqual(cpu(requests['cpu']!));
  });

  it('drops every capability but the two attribution needs, the same two as the systemd unit', () => {
    const sc = container.securityContext;
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.privileged ?? false).toBe(false);
    expect(sc.capabilities.drop).toEqual(['ALL']);
    expect([...sc.capabilities.add].sort()).toEqual(['DAC_READ_SEARCH', 'SYS_PTRACE']);
    const unit = readFileSync(repoPath('deploy/systemd/netstat-otel.service'), 'utf8');
    const ambient = unitSettings(unit, 'Service').find(([k]) => k === 'AmbientCapabilities')![1];
    expect(ambient.split(/\s+/).map((c) => c.replace(/^CAP_/, '')).sort()).toEqual([...sc.capabilities.add].sort());
  });

  (cliBuilt ? it : it.skip)(`every rules file in the ConfigMap passes \`netstat-otel rules check\`${cliBuilt ? '' : ` (skipped: ${CLI_MISSING})`}`, () => {
    const data = (one('ConfigMap') as Manifest & { data: Record<string, string> }).data;
    expect(Object.keys(data).length).toBeGreaterThan(0);
    const dir = mkdtempSync(path.join(tmpdir(), 'netstat-otel-rules-'));
    try {
      for (const [name, text] of Object.entries(data)) {
        expect(name).toMatch(/^[\w.-]+\.json$/);
        writeFileSync(path.join(dir, name), text);
      }
      const check = runCli(['rules', 'check', dir]);
      expect(`${check.stdout}${check.stderr}`).toMatch(/^ok:/m);
      expect(check.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const haveYamllint = onPath('yamllint');
describe('yamllint', () => {
  (haveYamllint ? it : it.skip)(
    `passes on all YAML in deploy/ (strict, deploy/.yamllint.yaml)${haveYamllint ? '' : ' (skipped: yamllint not installed; `apt-get install yamllint`)'}`,
    () => {
      const run = spawnSync('yamllint', ['--strict', '-f', 'parsable', '-c', repoPath('deploy/.yamllint.yaml'), repoPath('deploy')], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(`${run.stdout}${run.stderr}`.trim()).toBe('');
      expect(run.status).toBe(0);
    },
  );
});
