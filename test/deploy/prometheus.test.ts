/**
 * The alert rules of deploy/prometheus: they use metrics the API really
 * exports, point at sections of the runbook that exist, and each has a unit
 * test that makes it fire. Where promtool is installed (CI installs it), it
 * checks the rules and the example configuration and runs those unit tests.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportedMetricNames, metricNamesIn, readText, readYaml, ROOT, runs } from './manifests.ts';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

interface RuleTests {
  rule_files: string[];
  tests: {
    alert_rule_test: { alertname: string; exp_alerts: unknown[] }[];
  }[];
}

const rules = (
  readYaml('deploy/prometheus/alerts.yaml') as { groups: { name: string; rules: Rule[] }[] }
).groups.flatMap((group) => group.rules);

/** GitHub's anchor of a Markdown heading. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

describe('the Prometheus alert rules', () => {
  it('cover the DLQ, lane backlog and waits, workers and Redis memory', () => {
    const metrics = new Set(rules.flatMap((rule) => metricNamesIn(rule.expr)));
    for (const name of [
      'phishnet_dlq_size',
      'phishnet_queue_backlog',
      'phishnet_queue_oldest_waiting_seconds',
      'phishnet_workers_alive',
      'phishnet_redis_used_memory_bytes',
      'phishnet_redis_maxmemory_bytes',
    ]) {
      expect(metrics, name).toContain(name);
    }
  });

  it('use only metrics that GET /metrics exports', () => {
    const exported = exportedMetricNames();
    for (const rule of rules) {
      const names = metricNamesIn(rule.expr);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      for (const name of names) expect(exported, `${rule.alert}: ${name}`).toContain(name);
    }
  });

  it('say how bad, what happened, and where the runbook says what to do', () => {
    const headings = readText('docs/runbook.md')
      .split('\n')
      .filter((line) => /^#{2,4} /.test(line))
      .map((line) => anchorOf(line.replace(/^#+ /, '')));
    for (const rule of rules) {
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.description, rule.alert).toBeTruthy();
      const [file, anchor = ''] = (rule.annotations.runbook_url ?? '').split('#');
      expect(file, rule.alert).toBe('docs/runbook.md');
      expect(headings, `${rule.alert}: #${anchor}`).toContain(anchor);
    }
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
  });

  it('each have a unit test in which they fire', () => {
    const tests = readYaml('deploy/prometheus/alerts.test.yaml') as RuleTests;
    expect(tests.rule_files).toEqual(['alerts.yaml']);
    const firing = new Set(
      tests.tests
        .flatMap((test) => test.alert_rule_test)
        .filter((test) => test.exp_alerts.length > 0)
        .map((test) => test.alertname),
    );
    for (const rule of rules) expect(firing, rule.alert).toContain(rule.alert);
  });

  it.skipIf(!runs('promtool', ['--version']))(
    'pass promtool: the rules, their unit tests and the example configuration',
    () => {
      const cwd = fileURLToPath(new URL('deploy/prometheus/', ROOT));
      const run = (args: string[]) => execFileSync('promtool', args, { cwd, encoding: 'utf8' });
      expect(run(['check', 'rules', 'alerts.yaml'])).toMatch(/SUCCESS: \d+ rules found/);
      expect(run(['test', 'rules', 'alerts.test.yaml'])).toMatch(/SUCCESS/);
      expect(run(['check', 'config', 'prometheus.yml'])).toMatch(/valid prometheus config/);
    },
  );
});
