import { resolveTxt } from 'node:dns/promises';
import type { TxtResolver } from '../../engine/types.ts';

/** DKIM keys live in DNS TXT records; the engine asks through this port. */
export const resolveTxtRecords: TxtResolver = (name) => resolveTxt(name);
