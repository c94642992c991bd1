/**
 * HTML attachments open in a browser, outside the mail client's protections:
 * a password field makes one a local phishing page, and decoding embedded data
 * into a download is HTML smuggling.
 */

/** Also matches the escaped quotes of a form written out by script: type=\"password\". */
const PASSWORD_FIELD = /\btype\s*=\s*\\?["']?password\b/i;
const DECODES_DATA = /\batob\s*\(|\bfromCharCode\s*\(|\bUint8Array\s*\(/i;
const SAVES_DATA =
  /\bnew\s+(?:window\.)?Blob\s*\(|\bcreateObjectURL\s*\(|\bmsSaveOr?OpenBlob\s*\(|\bmsSaveBlob\s*\(|\.download\s*=/i;
/** A whole program inlined as a data URI is a payload whatever script is around it. */
const EMBEDDED_PAYLOAD =
  /data:application\/(?:octet-stream|x-msdownload|zip|x-zip-compressed|x-iso9660-image|vnd\.ms-[\w.-]+|hta)[^,]{0,64};base64,/i;

export interface HtmlScan {
  hasCredentialForm: boolean;
  hasSmuggling: boolean;
}

export function scanHtml(html: string): HtmlScan {
  return {
    hasCredentialForm: PASSWORD_FIELD.test(html),
    hasSmuggling: (DECODES_DATA.test(html) && SAVES_DATA.test(html)) || EMBEDDED_PAYLOAD.test(html),
  };
}
