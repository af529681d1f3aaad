// JSON Schema's internationalized formats (draft 2020-12 and draft-07: `idn-hostname`, `idn-email`, `iri`,
// `iri-reference`), which ajv-formats does not have, so a contract using them was refused as naming an unknown
// format (i18n review, 2026-12-07). Each maps the text to its ASCII form and holds that form to the ASCII format
// ajv-formats checks: a name's labels through Node's `domainToASCII` (UTS #46, as browsers map names), an IRI's
// characters beyond ASCII percent-encoded as UTF-8 (RFC 3987, 3.1), less those RFC 3987 excludes. A name is also
// held to IDNA2008's hyphen rule and its A-labels to decoding (RFC 5891, 4.2.3.1 and 5.4), and refused with a `%`
// (which `domainToASCII` would decode) or a final dot. IDNA2008's contextual rules (a middle dot between two `l`s, a
// katakana middle dot beside kana) and its list of disallowed characters are not checked: 11 of the 31 cases of the
// JSON-Schema-Test-Suite's idn-hostname file disagreed at first, 7 still do (diff review, 2026-12-07).
import { domainToASCII, domainToUnicode } from 'node:url';
import type { Ajv, Format } from 'ajv';

type Check = (text: string) => boolean;

/** A format ajv-formats added to `ajv`, as a check of a string. */
function added(ajv: Ajv, name: string): Check {
  const format = ajv.formats[name];
  const check =
    format instanceof RegExp || typeof format === 'function' || typeof format !== 'object'
      ? format
      : format.validate;
  if (check instanceof RegExp) return (text) => check.test(text);
  if (typeof check === 'function') return (text) => (check as (data: string) => unknown)(text) === true;
  throw new Error(`ajv-formats has no ${name} format to build on`);
}

const ASCII = /^[\x20-\x7e]*$/;
/**
 * RFC 6531's dot-atom local part: RFC 5322's atext, and any character beyond ASCII but controls, format characters
 * and spaces; no `.` inside an atom, so the expression cannot backtrack.
 */
const LOCAL_PART =
  /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|(?![\p{C}\p{Z}])\P{ASCII})+(?:\.(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|(?![\p{C}\p{Z}])\P{ASCII})+)*$/u;
/** Beyond ASCII, as UTF-16: pairs whole, so encodeURIComponent never meets half of one. */
const BEYOND_ASCII = /[\u0080-\u{10ffff}]+/gu;

/** A name's separators (UTS #46 maps the ideographic and full-width ones to `.`) at its end: a final dot. */
const FINAL_SEPARATOR = /[.\u3002\uff0e\uff61]$/;

/** A name as ASCII (its A-labels), or undefined when it is no IDNA hostname (see the header). */
function hostnameAscii(text: string, hostname: Check): string | undefined {
  if (text === '' || text.includes('%') || FINAL_SEPARATOR.test(text)) return undefined;
  const ascii = domainToASCII(text);
  if (ascii === '' || !hostname(ascii)) return undefined;
  for (const label of ascii.split('.')) {
    if (label.slice(2, 4) !== '--') continue;
    if (!label.startsWith('xn--')) return undefined;
    const decoded = domainToUnicode(label);
    if (decoded === '' || decoded.slice(2, 4) === '--') return undefined;
  }
  return ascii;
}

/**
 * Whether RFC 3987 lets an IRI hold the character `code` (beyond ASCII): not a C1 control, a noncharacter or a
 * bidirectional formatting character (4.1), and a private-use one only in the query (`iprivate`).
 */
function iriAllows(code: number, inQuery: boolean): boolean {
  if (code <= 0x9f || (code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe) return false;
  if (code === 0x200e || code === 0x200f || (code >= 0x202a && code <= 0x202e)) return false;
  const privateUse = (code >= 0xe000 && code <= 0xf8ff) || code >= 0xf0000;
  return !privateUse || inQuery;
}

/**
 * The text's characters beyond ASCII percent-encoded as UTF-8, or undefined when it holds one an IRI may not, or a
 * lone surrogate.
 */
function asUri(text: string): string | undefined {
  const query = text.indexOf('?');
  const fragment = text.indexOf('#');
  let allowed = true;
  let at = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (code > 0x7f) {
      const inQuery = query >= 0 && at > query && (fragment < 0 || at < fragment);
      if (!iriAllows(code, inQuery)) allowed = false;
    }
    at += ch.length;
  }
  if (!allowed) return undefined;
  try {
    return text.replace(BEYOND_ASCII, encodeURIComponent);
  } catch {
    return undefined;
  }
}

export function addInternationalFormats(ajv: Ajv): void {
  const hostname = added(ajv, 'hostname');
  const email = added(ajv, 'email');
  const uri = added(ajv, 'uri');
  const uriReference = added(ajv, 'uri-reference');
  const formats: Record<string, Check> = {
    'idn-hostname': (text) => hostnameAscii(text, hostname) !== undefined,
    'idn-email': (text) => {
      if (ASCII.test(text) && !text.includes('xn--')) return email(text);
      const at = text.lastIndexOf('@');
      const local = text.slice(0, at);
      const domain = hostnameAscii(text.slice(at + 1), hostname);
      // At most 64 octets of local part (RFC 5321, 4.5.3.1.1, in UTF-8 by RFC 6531); the domain as `email` has it.
      return (
        at > 0 &&
        Buffer.byteLength(local) <= 64 &&
        LOCAL_PART.test(local) &&
        domain !== undefined &&
        email(`x@${domain}`)
      );
    },
    iri: (text) => {
      const mapped = asUri(text);
      return mapped !== undefined && uri(mapped);
    },
    'iri-reference': (text) => {
      const mapped = asUri(text);
      return mapped !== undefined && uriReference(mapped);
    },
  };
  for (const [name, validate] of Object.entries(formats)) {
    ajv.addFormat(name, { type: 'string', validate } satisfies Format);
  }
}
