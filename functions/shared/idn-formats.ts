// JSON Schema's internationalized formats (draft 2020-12 and draft-07: `idn-hostname`, `idn-email`, `iri`,
// `iri-reference`), which ajv-formats does not have, so a contract using them was refused as naming an unknown
// format (i18n review, 2026-12-07). Each is checked by mapping the text to its ASCII form, as the RFCs define the
// relation, and holding that form to the ASCII format ajv-formats checks: a name's labels through IDNA (Node's
// `domainToASCII`, UTS #46), an IRI's characters beyond ASCII percent-encoded as UTF-8 (RFC 3987, 3.1).
import { domainToASCII } from 'node:url';
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

/** The text's characters beyond ASCII percent-encoded as UTF-8, or undefined when it holds a lone surrogate. */
function asUri(text: string): string | undefined {
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
  const idnHostname: Check = (text) => {
    if (ASCII.test(text)) return hostname(text);
    const ascii = domainToASCII(text);
    return ascii !== '' && hostname(ascii);
  };
  const formats: Record<string, Check> = {
    'idn-hostname': idnHostname,
    'idn-email': (text) => {
      if (ASCII.test(text)) return email(text);
      const at = text.lastIndexOf('@');
      const local = text.slice(0, at);
      const domain = domainToASCII(text.slice(at + 1));
      // At most 64 octets of local part (RFC 5321, 4.5.3.1.1, in UTF-8 by RFC 6531); the domain as `email` has it.
      return (
        at > 0 &&
        Buffer.byteLength(local) <= 64 &&
        LOCAL_PART.test(local) &&
        domain !== '' &&
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
