/** The part of mailauth's untyped DKIM verifier the engine calls. */
declare module 'mailauth/lib/dkim/verify.js' {
  export interface DkimStatus {
    result: string;
    comment?: string | false;
  }
  export interface DkimSignatureResult {
    signingDomain?: string;
    selector?: string;
    status: DkimStatus;
  }
  /** mailauth's resolver: `dns.resolve`'s shape, TXT records as chunked strings. */
  export type MailauthResolver = (name: string, rrtype: string) => Promise<string[][]>;
  export function dkimVerify(
    input: Buffer,
    options: { resolver: MailauthResolver },
  ): Promise<{ results: DkimSignatureResult[] }>;
}
