/**
 * The engine's own model. Everything slow or networked reaches the engine as a
 * function in `EnginePorts`; everything tunable arrives in `EngineOptions`.
 */
import type { Analyzer, Finding } from '../contracts/analysis-result.ts';
import type { PhishingModel } from './ml/model.ts';

export interface Mailbox {
  name: string;
  address: string;
}

export interface ParsedHeader {
  /** Lower-case field name. */
  key: string;
  /** Unfolded, decoded value. */
  value: string;
}

export interface ParsedAttachment {
  filename: string | null;
  mimeType: string;
  disposition: string | null;
  content: Uint8Array;
}

/** An email after parsing. Parsing never throws: problems become `parseFindings`. */
export interface ParsedEmail {
  raw: Uint8Array;
  headers: ParsedHeader[];
  from: Mailbox | null;
  sender: Mailbox | null;
  replyTo: Mailbox[];
  returnPath: string | null;
  to: Mailbox[];
  subject: string;
  messageId: string | null;
  date: string | null;
  text: string;
  html: string;
  attachments: ParsedAttachment[];
  parseFindings: Finding[];
  /** `fields` when built from the API's JSON fields: there is no real header to judge. Absent means raw. */
  origin?: 'raw' | 'fields' | undefined;
}

/** What the API accepts: raw RFC 822 bytes, or the seed's JSON fields. */
export interface EmailInput {
  raw?: Uint8Array | undefined;
  subject?: string | undefined;
  sender?: string | undefined;
  content?: string | undefined;
}

export interface IndicatorSets {
  domains: ReadonlySet<string>;
  urls: ReadonlySet<string>;
  ips: ReadonlySet<string>;
  hashes: ReadonlySet<string>;
}

/** DNS TXT lookups for DKIM verification; absent means "no network". */
export type TxtResolver = (name: string) => Promise<string[][]>;

export interface EnginePorts {
  resolveTxt?: TxtResolver | undefined;
  indicators?: IndicatorSets | undefined;
  /** The trained phishing model; absent means the `ml` analyzer reports nothing. */
  model?: PhishingModel | undefined;
}

export interface ParseLimits {
  maxBytes: number;
  maxHeaderBytes: number;
  maxMimeDepth: number;
  maxAttachments: number;
}

export interface VerdictThresholds {
  suspicious: number;
  phishing: number;
  malicious: number;
}

export interface EngineOptions {
  analyzers: readonly Analyzer[];
  /** Registrable domains of brands whose look-alikes are findings. */
  brandDomains: readonly string[];
  /** Hosts whose Authentication-Results / Received-SPF are believed. Empty: believe the top-most. */
  trustedReceivers: readonly string[];
  thresholds: VerdictThresholds;
  limits: ParseLimits;
}
