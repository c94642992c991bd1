/**
 * The Kubernetes manifests of deploy/kubernetes, checked without a cluster
 * (kubeconform is not to be had from the registries here): every document
 * parses and has the fields its kind needs; every container runs the image
 * with a command the CLI accepts and variables the config schema knows; worker
 * pods outlive their longest task; each worker Deployment has a KEDA
 * ScaledObject on PhishNet's own backlog metric. `kubectl kustomize` builds
 * the set where kubectl is installed.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SHUTDOWN_CLOSE_MS } from '../../src/cli/commands/worker.ts';
import { WORK_LANES, type Lane } from '../../src/contracts/queues.ts';
import { loadConfig } from '../../src/config/config.ts';
import {
  exportedMetricNames,
  isKnownEnv,
  longestTaskMs,
  metricNamesIn,
  parseCommand,
  readYaml,
  readYamlDocuments,
  ROOT,
  runs,
  type ParsedCommand,
} from './manifests.ts';

const DIR = 'deploy/kubernetes/';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  file: string;
}

interface EnvVar {
  name: string;
  value?: unknown;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

interface Probe {
  exec?: { command: string[] };
  httpGet?: { path: string; port: string | number };
  timeoutSeconds?: number;
}

interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: EnvVar[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean };
}

interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string> };
    spec: {
      terminationGracePeriodSeconds?: number;
      securityContext?: { runAsNonRoot?: boolean };
      containers: Container[];
    };
  };
}

interface ScaledObjectSpec {
  scaleTargetRef: { name: string; kind?: string };
  minReplicaCount?: number;
  maxReplicaCount: number;
  fallback?: { failureThreshold: number; replicas: number };
  triggers: { type: string; metadata: Record<string, string> }[];
}

/** Which apiVersion each kind must have. */
const API_VERSIONS: Record<string, string> = {
  Namespace: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  Deployment: 'apps/v1',
  ScaledObject: 'keda.sh/v1alpha1',
  ServiceMonitor: 'monitoring.coreos.com/v1',
};

const files = readdirSync(new URL(DIR, ROOT)).filter((file) => file.endsWith('.yaml'));
const manifests: Manifest[] = files
  .filter((file) => file !== 'kustomization.yaml')
  .flatMap((file) =>
    readYamlDocuments(`${DIR}${file}`).map((doc) => ({ ...(doc as unknown as Manifest), file })),
  );
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const deployments = ofKind('Deployment');
const specOf = (m: Manifest) => m.spec as unknown as DeploymentSpec;
const configMap = ofKind('ConfigMap')[0]!;
const secret = ofKind('Secret')[0]!;

/** A container's environment as it would see it, secrets filled from the example. */
function envOf(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      expect(source.configMapRef.name).toBe(configMap.metadata.name);
      Object.assign(env, configMap.data);
    }
    if (source.secretRef) {
      expect(source.secretRef.name).toBe(secret.metadata.name);
      Object.assign(env, secret.stringData);
    }
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref) {
      expect(ref.name, variable.name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData ?? {}), variable.name).toContain(ref.key);
      env[variable.name] = secret.stringData?.[ref.key] ?? '';
    } else {
      // Kubernetes takes only strings here: an unquoted 8000 is refused on apply.
      expect(typeof variable.value, variable.name).toBe('string');
      env[variable.name] = typeof variable.value === 'string' ? variable.value : '';
    }
  }
  return env;
}

function commandOf(deployment: Manifest): ParsedCommand & { container: Container } {
  const container = specOf(deployment).template.spec.containers[0]!;
  return { ...parseCommand(container.args ?? [], loadConfig(envOf(container))), container };
}

const workers = deployments.filter((d) => commandOf(d).command === 'worker');

describe('the Kubernetes manifests', () => {
  it('parse, and each has the apiVersion, kind and name its kind needs', () => {
    expect(manifests.length).toBeGreaterThan(8);
    for (const manifest of manifests) {
      const where = `${manifest.file}: ${manifest.kind}/${manifest.metadata.name}`;
      expect(API_VERSIONS[manifest.kind], where).toBeDefined();
      expect(manifest.apiVersion, where).toBe(API_VERSIONS[manifest.kind]);
      expect(manifest.metadata.name, where).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    const names = manifests.map((m) => `${m.kind}/${m.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('are all applied by kustomization.yaml, except the examples and optional extras', () => {
    const kustomization = readYaml(`${DIR}kustomization.yaml`) as {
      resources: string[];
      images: { name: string }[];
    };
    for (const resource of kustomization.resources) expect(files).toContain(resource);
    const optional = ['kustomization.yaml', 'secret.example.yaml', 'servicemonitor.yaml'];
    expect(files.filter((file) => !optional.includes(file)).sort()).toEqual(
      [...kustomization.resources].sort(),
    );
    // The image every container names is the one kustomize rewrites.
    for (const deployment of deployments) {
      for (const container of specOf(deployment).template.spec.containers) {
        expect(container.image).toBe(kustomization.images[0]?.name);
      }
    }
  });

  it('run the API, a scheduler and a worker Deployment per lane, with commands the CLI accepts', () => {
    const commands = deployments.map((d) => commandOf(d).command).sort();
    expect(commands.filter((c) => c === 'api')).toHaveLength(1);
    expect(commands.filter((c) => c === 'scheduler')).toHaveLength(1);
    const consumed = new Set<Lane>(workers.flatMap((d) => commandOf(d).lanes));
    for (const lane of [...WORK_LANES, 'monitoring'] as const)
      expect(consumed, lane).toContain(lane);
    for (const deployment of deployments) {
      const spec = specOf(deployment);
      for (const [key, value] of Object.entries(spec.selector.matchLabels)) {
        expect(spec.template.metadata.labels[key], deployment.metadata.name).toBe(value);
      }
    }
  });

  it('pass only variables the config schema knows, and a config that loads', () => {
    for (const [name, value] of Object.entries(configMap.data ?? {})) {
      expect(isKnownEnv(name), name).toBe(true);
      // A ConfigMap holds strings only: an unquoted 8000 is refused on apply.
      expect(typeof value, name).toBe('string');
    }
    for (const name of Object.keys(secret.stringData ?? {}))
      expect(isKnownEnv(name), name).toBe(true);
    for (const deployment of deployments) {
      for (const container of specOf(deployment).template.spec.containers) {
        for (const variable of container.env ?? []) {
          expect(isKnownEnv(variable.name), `${deployment.metadata.name}: ${variable.name}`).toBe(
            true,
          );
        }
        expect(() => loadConfig(envOf(container)), deployment.metadata.name).not.toThrow();
      }
    }
    expect(configMap.data?.PHISHNET_ORCHESTRATOR).toBe('kubernetes');
    expect(configMap.data?.HOST).toBe('0.0.0.0');
  });

  it('run containers as non-root, read-only, with resources and a liveness probe', () => {
    for (const deployment of deployments) {
      const pod = specOf(deployment).template.spec;
      expect(pod.securityContext?.runAsNonRoot, deployment.metadata.name).toBe(true);
      for (const container of pod.containers) {
        const where = `${deployment.metadata.name}/${container.name}`;
        expect(container.securityContext?.allowPrivilegeEscalation, where).toBe(false);
        expect(container.securityContext?.readOnlyRootFilesystem, where).toBe(true);
        expect(container.resources?.requests?.memory, where).toBeDefined();
        expect(container.resources?.limits?.memory, where).toBeDefined();
        expect(container.livenessProbe, where).toBeDefined();
        const exec = container.livenessProbe?.exec?.command;
        if (exec) {
          // `phishnet healthcheck` for the role this container runs.
          expect(exec, where).toEqual([
            'node',
            'dist/src/cli/main.js',
            'healthcheck',
            '--role',
            container.args?.[0],
          ]);
          expect(container.livenessProbe?.timeoutSeconds, where).toBeGreaterThanOrEqual(5);
        }
      }
    }
  });

  it('expose the API through its Service and check it with /readyz and /healthz', () => {
    const api = deployments.find((d) => commandOf(d).command === 'api')!;
    const { container } = commandOf(api);
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    const port = container.ports?.find((p) => p.name === container.readinessProbe?.httpGet?.port);
    expect(port?.containerPort).toBe(loadConfig(envOf(container)).http.port);
    const service = ofKind('Service')[0]!;
    const serviceSpec = service.spec as {
      selector: Record<string, string>;
      ports: { name: string; targetPort: string }[];
    };
    for (const [key, value] of Object.entries(serviceSpec.selector)) {
      expect(specOf(api).template.metadata.labels[key]).toBe(value);
    }
    expect(serviceSpec.ports[0]?.targetPort).toBe(port?.name);
    const monitor = ofKind('ServiceMonitor')[0]!;
    const monitorSpec = monitor.spec as {
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; path: string }[];
    };
    for (const [key, value] of Object.entries(monitorSpec.selector.matchLabels)) {
      expect(service.metadata.labels?.[key]).toBe(value);
    }
    expect(monitorSpec.endpoints[0]).toMatchObject({ port: port?.name, path: '/metrics' });
  });

  it("give each worker pod longer than its lanes' longest task, and time to hand back the rest", () => {
    expect(workers.length).toBeGreaterThanOrEqual(4);
    for (const deployment of workers) {
      const { lanes, container } = commandOf(deployment);
      const config = loadConfig(envOf(container));
      const graceSeconds = specOf(deployment).template.spec.terminationGracePeriodSeconds ?? 30;
      const longest = longestTaskMs(lanes, config);
      const where = deployment.metadata.name;
      expect(graceSeconds * 1_000, where).toBeGreaterThan(longest);
      expect(config.workers.shutdownGraceMs, where).toBeGreaterThanOrEqual(longest);
      expect(graceSeconds * 1_000, where).toBeGreaterThan(
        config.workers.shutdownGraceMs + SHUTDOWN_CLOSE_MS,
      );
    }
  });

  it('scale each worker Deployment with KEDA on the backlog metric of its lane', () => {
    const scaled = ofKind('ScaledObject');
    const metrics = exportedMetricNames();
    expect(
      scaled.map((s) => (s.spec as unknown as ScaledObjectSpec).scaleTargetRef.name).sort(),
    ).toEqual(workers.map((w) => w.metadata.name).sort());
    for (const deployment of workers) {
      // KEDA owns the replica count; an apply must not reset it.
      expect(specOf(deployment).replicas, deployment.metadata.name).toBeUndefined();
      const object = scaled.find(
        (s) =>
          (s.spec as unknown as ScaledObjectSpec).scaleTargetRef.name === deployment.metadata.name,
      )!;
      const spec = object.spec as unknown as ScaledObjectSpec;
      expect(spec.scaleTargetRef.kind ?? 'Deployment').toBe('Deployment');
      expect(spec.minReplicaCount ?? 0).toBeLessThanOrEqual(spec.maxReplicaCount);
      expect(spec.fallback?.replicas).toBeGreaterThan(0);
      const lane = commandOf(deployment).lanes.find((l) =>
        (WORK_LANES as readonly string[]).includes(l),
      );
      expect(spec.triggers.length).toBeGreaterThan(0);
      for (const trigger of spec.triggers) {
        // Never KEDA's Redis-list scaler: it sees neither prioritized nor delayed jobs.
        expect(['prometheus', 'metrics-api'], object.metadata.name).toContain(trigger.type);
        const query = trigger.metadata.query ?? trigger.metadata.valueLocation ?? '';
        expect(query).toContain(`lane="${String(lane)}"`);
        expect(metricNamesIn(query)).toEqual(['phishnet_queue_backlog']);
        for (const name of metricNamesIn(query)) expect(metrics, name).toContain(name);
        expect(Number(trigger.metadata.threshold)).toBeGreaterThan(0);
      }
    }
    // The monitoring lane must always have a consumer.
    for (const deployment of workers.filter((w) => commandOf(w).lanes.includes('monitoring'))) {
      const object = scaled.find(
        (s) =>
          (s.spec as unknown as ScaledObjectSpec).scaleTargetRef.name === deployment.metadata.name,
      )!;
      expect((object.spec as unknown as ScaledObjectSpec).minReplicaCount).toBeGreaterThan(0);
    }
  });

  it.skipIf(!runs('kubectl', ['version', '--client']))('build with `kubectl kustomize`', () => {
    const output = execFileSync('kubectl', ['kustomize', fileURLToPath(new URL(DIR, ROOT))], {
      encoding: 'utf8',
    });
    expect(output).toContain('namespace: phishnet');
    expect(output).toContain('image: registry.example.com/phishnet:0.1.0');
    expect(output.match(/^kind: ScaledObject$/gm)).toHaveLength(workers.length);
  });
});
