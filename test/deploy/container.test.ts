/**
 * The container image and the compose set-up, checked against the code they
 * run: the Dockerfile's entry point and health check, and compose.yaml's Redis
 * settings, commands, variables, lanes and stop grace periods. `docker compose
 * config` (or Debian's docker-compose) validates the file too where a client is
 * installed; no engine is needed for that.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SHUTDOWN_CLOSE_MS } from '../../src/cli/commands/worker.ts';
import { WORK_LANES, type Lane } from '../../src/contracts/queues.ts';
import { loadConfig } from '../../src/config/config.ts';
import {
  cliCommands,
  durationMs,
  isKnownEnv,
  longestTaskMs,
  parseCommand,
  readText,
  readYaml,
  ROOT,
  runs,
} from './manifests.ts';

/** A Dockerfile's instructions, with continuation lines joined. */
function instructions(text: string): { keyword: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

describe('the Dockerfile', () => {
  const steps = instructions(readText('Dockerfile'));
  const stages = steps.filter((step) => step.keyword === 'FROM');
  const runtimeStart = steps.lastIndexOf(stages.at(-1)!);
  const runtime = steps.slice(runtimeStart);
  const last = (keyword: string) => runtime.filter((step) => step.keyword === keyword).at(-1);

  it('builds on Node 20 slim in two stages, installing with npm ci and pruning dev dependencies', () => {
    expect(steps.find((step) => step.keyword === 'ARG')?.args).toBe(
      'NODE_IMAGE=node:20-bookworm-slim',
    );
    expect(stages.map((stage) => stage.args)).toEqual([
      '${NODE_IMAGE} AS build',
      '${NODE_IMAGE} AS runtime',
    ]);
    const build = steps.slice(0, runtimeStart).map((step) => step.args);
    expect(build.some((args) => args.startsWith('npm ci'))).toBe(true);
    expect(build.some((args) => args.includes('npm run build'))).toBe(true);
    expect(build.some((args) => args.includes('npm prune --omit=dev'))).toBe(true);
  });

  it('runs the CLI as the node user under tini, with a health check every role passes', () => {
    expect(
      runtime.some((step) => step.keyword === 'RUN' && /install .*\btini\b/.test(step.args)),
    ).toBe(true);
    expect(last('USER')?.args).toBe('node');
    const entrypoint = JSON.parse(last('ENTRYPOINT')?.args ?? '[]') as string[];
    expect(entrypoint).toEqual(['tini', '--', 'node', 'dist/src/cli/main.js']);
    // The entry point is the package's own bin.
    const pkg = JSON.parse(readText('package.json')) as { bin: Record<string, string> };
    expect(pkg.bin.phishnet).toBe(entrypoint[3]);
    const cmd = JSON.parse(last('CMD')?.args ?? '[]') as string[];
    expect(cmd).toEqual(['start']);
    expect(cliCommands()).toContain(cmd[0]);
    const healthcheck = last('HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toMatch(/--timeout=\d+s/);
    const probe = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3)) as string[];
    expect(probe).toEqual(['node', 'dist/src/cli/main.js', 'healthcheck']);
    expect(cliCommands()).toContain('healthcheck');
  });

  it('copies the built code and the model, and leaves secrets and local state out of the context', () => {
    const copies = runtime.filter((step) => step.keyword === 'COPY').map((step) => step.args);
    for (const path of ['/app/dist', '/app/models', '/app/node_modules', '/app/package.json']) {
      expect(
        copies.some((args) => args.includes(path)),
        path,
      ).toBe(true);
    }
    const ignored = readText('.dockerignore').split('\n');
    for (const entry of ['.git', 'node_modules', 'dist', 'data', '.env', '.env.*']) {
      expect(ignored, entry).toContain(entry);
    }
  });
});

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
}

/** `${NAME:?message}`, `${NAME:-default}`, `${NAME}` as compose would fill them from `env`. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_all, name: string, kind, rest) => {
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (kind === '?') throw new Error(`${name} is required: ${String(rest)}`);
    return kind === '-' ? String(rest) : '';
  });
}

describe('compose.yaml', () => {
  const compose = readYaml('compose.yaml') as { services: Record<string, ComposeService> };
  const services = compose.services;
  const phishnet = Object.entries(services).filter(([name]) => name !== 'redis');
  const secrets = { PHISHNET_REDIS_PASSWORD: 'a1b2c3', PHISHNET_JWT_SECRET: 'j'.repeat(32) };
  const envOf = (service: ComposeService): Record<string, string> =>
    Object.fromEntries(
      Object.entries(service.environment ?? {}).map(([name, value]) => [
        name,
        interpolate(String(value), secrets),
      ]),
    );

  it('runs Redis with AOF and noeviction, private, with its data on a volume', () => {
    const redis = services.redis!;
    const command = (redis.command ?? []).join(' ');
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
    expect(command).toMatch(/--requirepass/);
    expect(redis.ports).toBeUndefined();
    expect(redis.volumes?.some((volume) => volume.endsWith(':/data'))).toBe(true);
    expect(redis.healthcheck?.test.join(' ')).toMatch(/redis-cli ping/);
  });

  it('runs every PhishNet service from one image with a command the CLI accepts', () => {
    const images = new Set(phishnet.map(([, service]) => service.image));
    expect(images.size).toBe(1);
    for (const [name, service] of phishnet) {
      const config = loadConfig(envOf(service));
      expect(() => parseCommand(service.command ?? [], config), name).not.toThrow();
      expect(service.depends_on?.redis?.condition, name).toBe('service_healthy');
    }
    const commands = phishnet.map(([, service]) => service.command?.[0]);
    expect(commands.filter((command) => command === 'api')).toHaveLength(1);
    expect(commands.filter((command) => command === 'scheduler')).toHaveLength(1);
  });

  it("runs the seed's workers per lane, and some worker consumes every lane", () => {
    const replicas: Partial<Record<Lane, number>> = {};
    for (const [, service] of phishnet) {
      const parsed = parseCommand(service.command ?? [], loadConfig(envOf(service)));
      for (const lane of parsed.lanes) {
        replicas[lane] = (replicas[lane] ?? 0) + (service.deploy?.replicas ?? 1);
      }
    }
    expect(replicas).toMatchObject({ realtime: 2, standard: 3, heavy: 1 });
    for (const lane of [...WORK_LANES, 'monitoring'] as const) {
      expect(replicas[lane], lane).toBeGreaterThan(0);
    }
  });

  it('passes only known variables, with secrets from the environment, and a config that loads', () => {
    for (const [name, service] of phishnet) {
      for (const variable of Object.keys(service.environment ?? {})) {
        expect(isKnownEnv(variable), `${name}: ${variable}`).toBe(true);
      }
      expect(envOf(service).REDIS_URL).toBe('redis://:a1b2c3@redis:6379');
      // Without the secrets, compose refuses to start rather than run with a default.
      expect(() => interpolate(String(service.environment?.REDIS_URL), {})).toThrow(
        /PHISHNET_REDIS_PASSWORD/,
      );
    }
    expect(String(services.api?.environment?.PHISHNET_JWT_SECRET)).toMatch(
      /^\$\{PHISHNET_JWT_SECRET:\?/,
    );
    // Only the API holds the API's secrets.
    for (const [name, service] of phishnet.filter(([, s]) => s.command?.[0] !== 'api')) {
      expect(Object.keys(service.environment ?? {}), name).not.toContain('PHISHNET_JWT_SECRET');
    }
  });

  it("gives each worker time to finish its lanes' longest task before it is killed", () => {
    for (const [name, service] of phishnet) {
      const config = loadConfig(envOf(service));
      const { command, lanes } = parseCommand(service.command ?? [], config);
      if (command !== 'worker') continue;
      const graceMs = config.workers.shutdownGraceMs;
      expect(graceMs, name).toBeGreaterThanOrEqual(longestTaskMs(lanes, config));
      expect(durationMs(service.stop_grace_period ?? '10s'), name).toBeGreaterThan(
        graceMs + SHUTDOWN_CLOSE_MS,
      );
    }
  });

  const composeCli = runs('docker', ['compose', 'version'])
    ? ['docker', 'compose']
    : runs('docker-compose', ['version'])
      ? ['docker-compose']
      : null;
  it.skipIf(composeCli === null)(
    'passes `docker compose config`, and stops without its secrets',
    () => {
      const [command = '', ...args] = composeCli ?? [];
      const file = fileURLToPath(new URL('compose.yaml', ROOT));
      const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
      const output = execFileSync(command, [...args, '-f', file, 'config'], {
        env: { ...base, ...secrets },
        encoding: 'utf8',
      });
      expect(output).toContain('worker-realtime');
      const refused = spawnSync(command, [...args, '-f', file, 'config', '-q'], {
        env: base,
        encoding: 'utf8',
      });
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(/PHISHNET_REDIS_PASSWORD/);
    },
  );
});
