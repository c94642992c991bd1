/**
 * Work done once per parsed email, however many analyzers ask for it: the HTML reading, the
 * content and link analyses, and the model's reading of the body. The quick analyzers and the
 * model's features read the same things; computing them twice was most of a full scan's cost.
 *
 * Entries live as long as the `ParsedEmail` does (a WeakMap), and the email is never changed
 * after parsing, so an entry cannot go stale. What is stored is shared by every caller: treat it
 * as read-only.
 */
import type { ParsedEmail } from './types.ts';

/** One kind of per-email result; `name` only helps debugging. */
export interface MemoKey<T> {
  readonly name: string;
  /** Never read: ties the key to the type of what it stores. */
  readonly type?: T;
}

export function memoKey<T>(name: string): MemoKey<T> {
  return { name };
}

const memos = new WeakMap<ParsedEmail, Map<MemoKey<unknown>, unknown>>();

/** `compute()`'s result for this email and key, computed on the first call only. */
export function memoize<T>(email: ParsedEmail, key: MemoKey<T>, compute: () => T): T {
  let memo = memos.get(email);
  if (memo === undefined) {
    memo = new Map();
    memos.set(email, memo);
  }
  if (memo.has(key)) return memo.get(key) as T;
  const value = compute();
  memo.set(key, value);
  return value;
}
