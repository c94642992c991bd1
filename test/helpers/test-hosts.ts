/**
 * Several worker "hosts" on this machine, for tests of what crosses a network.
 *
 * As root with iproute2, each host is a network namespace joined to the root
 * namespace by a veth pair of its own (a /30 in 10.213.R.0/24, R random), and
 * runs its processes under a hostname of its own (`unshare --uts`). Redis
 * listens on the root end of every pair; cutting a host off sets its root end
 * down, so its packets go nowhere, as when a host drops off the network.
 *
 * Elsewhere (not root, no `ip`), the hosts are plain processes told apart by
 * pid, and cutting one off freezes it with SIGSTOP: to Redis and the other
 * workers it falls silent just the same.
 *
 * Namespaces and links are removed after the file, and on process exit if a
 * test ends abruptly.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';

export type HostMode = 'network namespaces' | 'processes';

export interface TestHost {
  index: number;
  /** Its hostname: what its worker heartbeats report as `host` (netns mode). */
  name: string;
  /** The address Redis is reached at from this host. */
  redisAddress: string;
  /** Wraps a command so it runs on this host (see `runCli`). */
  wrapper: readonly string[] | undefined;
}

export interface TestHosts {
  mode: HostMode;
  hosts: TestHost[];
  /** Addresses Redis must listen on besides 127.0.0.1. */
  redisBind: string[];
  /** Cuts the host off: its link goes down, or (processes) `pid` is frozen. */
  cutOff(host: TestHost, pid: number): void;
  /** Undoes `cutOff`. */
  reconnect(host: TestHost, pid: number): void;
}

function run(command: string, args: readonly string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

function tryRun(command: string, args: readonly string[]): boolean {
  try {
    run(command, args);
    return true;
  } catch {
    return false;
  }
}

/** Whether this process may make network namespaces (and hostnames inside them). */
export function canMakeNetworkNamespaces(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `phishnet-probe-${randomBytes(3).toString('hex')}`;
  if (!tryRun('ip', ['netns', 'add', probe])) return false;
  const works = tryRun('ip', ['netns', 'exec', probe, 'unshare', '--uts', 'true']);
  tryRun('ip', ['netns', 'del', probe]);
  return works;
}

/**
 * Registers the hooks of the calling `describe` that make `count` hosts before
 * its tests and remove them after; call it before hooks that need the hosts
 * (a Redis listening on `redisBind`).
 */
export function useTestHosts(count: number, mode: HostMode): TestHosts {
  const tag = randomBytes(2).toString('hex');
  const subnet = `10.213.${randomInt(256)}`;
  const plan = Array.from({ length: count }, (_, index) => ({
    index,
    namespace: `phishnet-test-${tag}-h${index}`,
    rootLink: `pn${tag}r${index}`,
    hostLink: `pn${tag}h${index}`,
    rootAddress: `${subnet}.${4 * index + 1}`,
    hostAddress: `${subnet}.${4 * index + 2}`,
    name: `phishnet-host-${index}`,
  }));
  const netns = mode === 'network namespaces';

  const destroy = (): void => {
    for (const host of plan) {
      // Deleting the namespace deletes its end of the pair, and with it the root end.
      tryRun('ip', ['netns', 'del', host.namespace]);
      tryRun('ip', ['link', 'del', host.rootLink]);
    }
  };
  if (netns) {
    beforeAll(() => {
      process.once('exit', destroy);
      for (const host of plan) {
        run('ip', ['netns', 'add', host.namespace]);
        run('ip', ['link', 'add', host.rootLink, 'type', 'veth', 'peer', 'name', host.hostLink]);
        run('ip', ['link', 'set', host.hostLink, 'netns', host.namespace]);
        run('ip', ['addr', 'add', `${host.rootAddress}/30`, 'dev', host.rootLink]);
        run('ip', ['link', 'set', host.rootLink, 'up']);
        const inside = ['netns', 'exec', host.namespace, 'ip'];
        run('ip', [...inside, 'addr', 'add', `${host.hostAddress}/30`, 'dev', host.hostLink]);
        run('ip', [...inside, 'link', 'set', host.hostLink, 'up']);
        run('ip', [...inside, 'link', 'set', 'lo', 'up']);
      }
    });
    afterAll(() => {
      destroy();
      process.off('exit', destroy);
    });
  }

  return {
    mode,
    redisBind: netns ? plan.map((host) => host.rootAddress) : [],
    hosts: plan.map((host) => ({
      index: host.index,
      name: host.name,
      redisAddress: netns ? host.rootAddress : '127.0.0.1',
      wrapper: netns
        ? [
            ...['ip', 'netns', 'exec', host.namespace],
            // A hostname of its own, then exec: the pid stays the CLI's.
            ...['unshare', '--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', host.name],
          ]
        : undefined,
    })),
    cutOff(host, pid) {
      if (netns) run('ip', ['link', 'set', plan[host.index]!.rootLink, 'down']);
      else process.kill(pid, 'SIGSTOP');
    },
    reconnect(host, pid) {
      if (netns) run('ip', ['link', 'set', plan[host.index]!.rootLink, 'up']);
      else process.kill(pid, 'SIGCONT');
    },
  };
}
