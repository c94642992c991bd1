import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeEnv, loadConfig } from '../../src/config/config.ts';
import { isAppError } from '../../src/lib/errors.ts';
import { configurationDoc } from '../../scripts/generate-docs.ts';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({ port: 8000, host: '127.0.0.1' });
    expect(config.redisUrl).toBeUndefined();
    expect(config.taskTimeLimitMs).toBe(600_000);
    expect(config.limits.maxEmailBytes).toBe(25 * 1024 * 1024);
    expect(Object.isFrozen(config.engine.thresholds)).toBe(true);
  });

  it('reports every invalid variable at once, naming each', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty', PHISHNET_ALLOW_EVICTION: 'maybe', REDIS_URL: 'http://x' });
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught, 'CONFIG_INVALID')).toBe(true);
    const message = (caught as Error).message;
    expect(message).toContain('PORT');
    expect(message).toContain('PHISHNET_ALLOW_EVICTION');
    expect(message).toContain('REDIS_URL');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', REDIS_URL: '' }).http.port).toBe(8000);
  });

  it('refuses verdict thresholds out of order', () => {
    expect(() => loadConfig({ PHISHNET_VERDICT_PHISHING: '20' })).toThrow(/VERDICT/);
  });

  it("gives the supervisor the seed's scaling defaults", () => {
    expect(loadConfig({}).scale).toEqual({
      orchestrator: 'local',
      minWorkers: 2,
      maxWorkers: 20,
      scaleUpThreshold: 10,
      scaleDownThreshold: 2,
      cooldownMs: 300_000,
      intervalMs: 5_000,
    });
  });

  it('refuses scaling bounds and thresholds that cannot hold, naming each', () => {
    expect(() => loadConfig({ PHISHNET_MIN_WORKERS: '5', PHISHNET_MAX_WORKERS: '4' })).toThrow(
      /PHISHNET_MIN_WORKERS \(5\) must not be more than PHISHNET_MAX_WORKERS \(4\)/,
    );
    expect(() => loadConfig({ PHISHNET_SCALE_DOWN_THRESHOLD: '10' })).toThrow(
      /PHISHNET_SCALE_DOWN_THRESHOLD \(10\) must be below PHISHNET_SCALE_UP_THRESHOLD \(10\)/,
    );
    expect(() => loadConfig({ PHISHNET_ORCHESTRATOR: 'nomad' })).toThrow(/PHISHNET_ORCHESTRATOR/);
  });

  it('says what replaced PHISHNET_WORKERS rather than ignoring it', () => {
    expect(() => loadConfig({ PHISHNET_WORKERS: '4' })).toThrow(
      /PHISHNET_WORKERS: replaced by PHISHNET_MIN_WORKERS and PHISHNET_MAX_WORKERS/,
    );
  });
});

describe('loadConfig: security settings', () => {
  it('has authentication on, CORS closed and limits set by default', () => {
    const config = loadConfig({});
    expect(config.auth).toEqual({
      disabled: false,
      jwtSecret: undefined,
      jwksUrl: undefined,
      issuer: 'phishnet',
      audience: 'phishnet',
    });
    expect(config.cors.origins).toEqual([]);
    expect(config.rateLimits).toEqual({
      windowMs: 60_000,
      submitEmails: 10_000,
      requests: 1_200,
      wsMessagesPerSecond: 10,
    });
    expect(config.limits).toMatchObject({
      maxJsonBodyBytes: 1024 * 1024,
      maxHeaderFields: 1_000,
      maxHeaderBytes: 256 * 1024,
      maxMimeDepth: 50,
      maxAttachments: 100,
    });
  });

  it('refuses a short JWT secret', () => {
    expect(() => loadConfig({ PHISHNET_JWT_SECRET: 'too-short' })).toThrow(
      /PHISHNET_JWT_SECRET: at least 32 characters/,
    );
  });

  it('puts REDIS_PASSWORD into REDIS_URL, encoded, and refuses it twice or without a URL', () => {
    expect(
      loadConfig({ REDIS_URL: 'redis://phishnet@redis.internal:6379/2', REDIS_PASSWORD: 'p@ss:/#' })
        .redisUrl,
    ).toBe('redis://phishnet:p%40ss%3A%2F%23@redis.internal:6379/2');
    expect(() =>
      loadConfig({ REDIS_URL: 'redis://:a@redis.internal:6379', REDIS_PASSWORD: 'b' }),
    ).toThrow(/REDIS_URL has a password already/);
    expect(() => loadConfig({ REDIS_PASSWORD: 'b' })).toThrow(/needs REDIS_URL/);
  });

  it('refuses a *_FILE variable the CLI did not read', () => {
    expect(() => loadConfig({ PHISHNET_JWT_SECRET_FILE: '/run/secrets/jwt' })).toThrow(
      /PHISHNET_JWT_SECRET_FILE: only the phishnet command reads secret files/,
    );
  });

  it('takes CORS origins as origins only', () => {
    expect(
      loadConfig({ PHISHNET_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).cors
        .origins,
    ).toEqual(['https://app.example.com', 'http://localhost:5173']);
    for (const bad of [
      '*',
      'https://app.example.com/path',
      'app.example.com',
      'https://*.example.com',
    ]) {
      expect(() => loadConfig({ PHISHNET_CORS_ORIGINS: bad }), bad).toThrow(
        /PHISHNET_CORS_ORIGINS/,
      );
    }
  });
});

describe('.env.example', () => {
  it('lists every variable with its default', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const lines = new Map(
      example
        .split('\n')
        .map((line) => line.replace(/^#\s*/, ''))
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    for (const variable of describeEnv()) {
      expect(lines.get(variable.name), variable.name).toBe(variable.default);
    }
    expect([...lines.keys()].sort()).toEqual(
      describeEnv()
        .map((v) => v.name)
        .sort(),
    );
  });
});

describe('docs/configuration.md', () => {
  it('is what the config schema generates (npm run docs)', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(doc).toBe(configurationDoc());
    // Every variable, with its default.
    for (const variable of describeEnv()) {
      expect(doc).toContain(`| \`${variable.name}\` |`);
    }
  });
});
