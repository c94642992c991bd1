/** Threat-feed formats PhishNet can load (see src/engine/intel/feeds.ts for each parser). */
import { z } from 'zod';

export const FEED_FORMATS = ['plain', 'urlhaus_csv', 'phishtank_json', 'hash_csv'] as const;
export const feedFormatSchema = z.enum(FEED_FORMATS);
export type FeedFormat = z.infer<typeof feedFormatSchema>;
