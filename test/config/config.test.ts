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
