import { describe, expect, it } from 'vitest';
import {
  decideScale,
  pickWorkersToStop,
  type ScaleInput,
} from '../../src/worker/supervisor/scale-policy.ts';

const NOW = 1_000_000_000;
const COOLDOWN_MS = 300_000;

/** The seed's defaults: 2–20 workers, up above 10 waiting, down below 2, 300 s cooldown. */
const base: ScaleInput = {
  current: 2,
  dedicated: 0,
  backlog: {},
  minWorkers: 2,
  maxWorkers: 20,
  scaleUpThreshold: 10,
  scaleDownThreshold: 2,
  fixedWorkers: null,
  lastChangeAt: null,
  now: NOW,
  cooldownMs: COOLDOWN_MS,
};

const longAgo = NOW - COOLDOWN_MS;
const justNow = NOW - 12_000;

describe('decideScale', () => {
  it.each<[string, Partial<ScaleInput>, 'up' | 'down' | 'hold', number, RegExp]>([
    // Between the thresholds nothing moves.
    [
      'backlog between the thresholds',
      { backlog: { realtime: 5 } },
      'hold',
      2,
      /realtime has 5 jobs waiting, between the thresholds \(2 and 10\)/,
    ],
    ['backlog at the up threshold', { backlog: { standard: 10 } }, 'hold', 2, /between/],
    ['backlog at the down threshold', { backlog: { heavy: 2 } }, 'hold', 2, /between/],
    // Up: one per started block of the threshold beyond it.
    [
      '11 waiting adds one',
      { backlog: { realtime: 11 } },
      'up',
      3,
      /realtime has 11 jobs waiting, more than the scale-up threshold of 10: adding 1/,
    ],
    ['20 waiting adds one', { backlog: { realtime: 20 } }, 'up', 3, /adding 1/],
    ['21 waiting adds two', { backlog: { realtime: 21 } }, 'up', 4, /adding 2/],
    ['100 waiting adds nine', { backlog: { realtime: 100 } }, 'up', 11, /adding 9/],
    [
      'the busiest lane decides, not the sum',
      { backlog: { realtime: 9, standard: 9, heavy: 9, background: 9 } },
      'hold',
      2,
      /between/,
    ],
    [
      'the busiest of several lanes above the threshold',
      { backlog: { realtime: 15, heavy: 35 } },
      'up',
      5,
      /heavy has 35 jobs waiting.*adding 3/,
    ],
    [
      'a burst is capped by the maximum',
      { backlog: { realtime: 1_000 }, current: 15 },
      'up',
      20,
      /adding 5 .*capped by the maximum of 20/,
    ],
    [
      'at the maximum it holds',
      { backlog: { realtime: 1_000 }, current: 20 },
      'hold',
      20,
      /but 20 worker processes is the maximum/,
    ],
    [
      'up waits for the cooldown',
      { backlog: { realtime: 50 }, lastChangeAt: justNow },
      'hold',
      2,
      /realtime has 50 jobs waiting, .* but the last change was 12 s ago \(cooldown 300 s\)/,
    ],
    [
      'up once the cooldown has passed',
      { backlog: { realtime: 50 }, lastChangeAt: longAgo },
      'up',
      6,
      /adding 4/,
    ],
    // Down: one at a time, never below the minimum.
    [
      'nothing waiting removes one',
      { current: 5, lastChangeAt: longAgo },
      'down',
      4,
      /no lane has jobs waiting: removing one worker process/,
    ],
    [
      'every lane under the down threshold removes one',
      { current: 5, backlog: { realtime: 1, standard: 1 } },
      'down',
      4,
      /every lane has fewer than 2 jobs waiting \(busiest: realtime, 1 job waiting\)/,
    ],
    [
      'down waits for the cooldown',
      { current: 5, lastChangeAt: justNow },
      'hold',
      5,
      /no lane has jobs waiting, but the last change was 12 s ago/,
    ],
    [
      'at the minimum it holds',
      { current: 2 },
      'hold',
      2,
      /no lane has jobs waiting; 2 worker processes is the minimum/,
    ],
    [
      'a minimum of zero lets the last one go',
      { current: 1, minWorkers: 0 },
      'down',
      0,
      /removing one/,
    ],
    // Bounds apply at once, cooldown or not.
    [
      'below the minimum starts the difference',
      { current: 0, lastChangeAt: justNow },
      'up',
      2,
      /0 worker processes is below the minimum of 2: starting 2/,
    ],
    [
      'above a lowered maximum stops the difference',
      { current: 8, maxWorkers: 5, lastChangeAt: justNow, backlog: { realtime: 500 } },
      'down',
      5,
      /8 worker processes is above the maximum of 5: stopping 3/,
    ],
    // An operator's fixed count wins over everything else.
    [
      'fixed above the current count',
      { fixedWorkers: 6, lastChangeAt: justNow },
      'up',
      6,
      /fixed at 6 worker processes by an operator: starting 4/,
    ],
    [
      'fixed below the minimum',
      { current: 4, fixedWorkers: 0, backlog: { realtime: 90 } },
      'down',
      0,
      /fixed at 0 worker processes by an operator: stopping 4/,
    ],
    [
      'fixed and already there',
      { current: 3, fixedWorkers: 3, backlog: { realtime: 90 } },
      'hold',
      3,
      /^fixed at 3 worker processes by an operator$/,
    ],
    // Lane-dedicated processes count against the bounds.
    [
      'dedicated processes lower the room to grow',
      { current: 15, dedicated: 4, backlog: { realtime: 200 } },
      'up',
      16,
      /adding 1 .*capped by the maximum of 20/,
    ],
    [
      'dedicated processes count towards the minimum',
      { current: 0, dedicated: 2 },
      'hold',
      0,
      /2 worker processes is the minimum \(2 of them dedicated to single lanes\)/,
    ],
    [
      'dedicated processes that fill the maximum leave no general one',
      { current: 3, dedicated: 20, backlog: { realtime: 50 } },
      'down',
      0,
      /23 worker processes is above the maximum of 20 \(20 of them dedicated/,
    ],
  ])('%s', (_name, overrides, action, target, reason) => {
    const decision = decideScale({ ...base, ...overrides });
    expect(decision.action).toBe(action);
    expect(decision.target).toBe(target);
    expect(decision.reason).toMatch(reason);
  });

  it('counts delayed and prioritized work only through the backlog it is given', () => {
    // The policy has no notion of Redis lists: whatever the caller counts as waiting decides.
    expect(decideScale({ ...base, backlog: { background: 11 } }).action).toBe('up');
  });

  it('never leaves the bounds in automatic mode', () => {
    for (let current = 0; current <= 25; current++) {
      for (const depth of [0, 1, 5, 11, 40, 10_000]) {
        const { target } = decideScale({ ...base, current, backlog: { standard: depth } });
        expect(target).toBeGreaterThanOrEqual(2);
        expect(target).toBeLessThanOrEqual(20);
      }
    }
  });
});

describe('pickWorkersToStop', () => {
  it.each<[string, [string, number | null, number][], number, string[]]>([
    [
      'idle ones before busy ones',
      [
        ['a', 3, 1],
        ['b', 0, 2],
        ['c', 1, 3],
      ],
      2,
      ['b', 'c'],
    ],
    [
      'among the idle, the youngest',
      [
        ['old', 0, 1],
        ['young', 0, 9],
        ['busy', 2, 10],
      ],
      1,
      ['young'],
    ],
    [
      'one still starting counts as idle',
      [
        ['busy', 1, 1],
        ['starting', null, 2],
      ],
      1,
      ['starting'],
    ],
    ['nothing to stop', [['a', 0, 1]], 0, []],
    ['more asked than there are', [['a', 0, 1]], 3, ['a']],
  ])('%s', (_name, rows, count, expected) => {
    const candidates = rows.map(([id, activeJobs, startedAt]) => ({ id, activeJobs, startedAt }));
    expect(pickWorkersToStop(candidates, count)).toEqual(expected);
  });
});
