// Helpers to write rule definitions compactly: character sets, deterministic fake-value generator
// (examples are assembled at runtime so our own repository never contains real-looking secrets),
// and builders for the two common shapes: prefixed tokens and "vendor-keyed" assignments.
import type { Confidence, Rule, Severity } from '../types.js';

export interface Charset {
  chars: string;
  cls: string;
}
const cs = (chars: string, cls: string): Charset => ({ chars, cls });
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';
export const HEX = cs(DIGITS + 'abcdef', '0-9a-f');
export const HEXU = cs(DIGITS + 'ABCDEF', '0-9A-F');
export const A62 = cs(DIGITS + LOWER + UPPER, 'A-Za-z0-9');
export const A36 = cs(DIGITS + LOWER, 'a-z0-9');
export const A36U = cs(DIGITS + UPPER, 'A-Z0-9');
export const B64 = cs(DIGITS + LOWER + UPPER + '+/', 'A-Za-z0-9+/');
export const B64URL = cs(DIGITS + LOWER + UPPER + '_-', '\\w-');
export const B32 = cs(UPPER + '234567', 'A-Z2-7');
export const B32L = cs(LOWER + '234567', 'a-z2-7');
export const ALPHA = cs(LOWER + UPPER, 'A-Za-z');
export const NUM = cs(DIGITS, '0-9');

/** Deterministic pseudo-random string (seeded), used to build example secrets at runtime. */
export const fake = (charset: Charset, length: number, seed = 'k'): string => {
  let h = 2166136261;
  for (const ch of seed + ':' + length) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  let out = '';
  for (let i = 0; i < length; i++) {
    h = (Math.imul(h, 1103515245) + 12345) >>> 0;
    out += charset.chars[(h >>> 8) % charset.chars.length];
  }
  return out;
};

export const uuid = (seed: string): string => {
  const h = fake(HEX, 32, seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
};
export const UUID_RE = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** A body segment: charset with exact length or a [min, max] range. */
export type Body = [Charset, number] | [Charset, number, number];
const bodyRe = (b: Body) => `[${b[0].cls}]{${b[1]}${b.length === 3 ? ',' + b[2] : ''}}`;
const bodyFake = (b: Body, seed: string) => fake(b[0], b.length === 3 ? Math.min(b[2], b[1] + 4) : b[1], seed);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

interface Common {
  id: string;
  description: string;
  severity?: Severity;
  confidence?: Confidence;
  entropy?: number;
}

/**
 * A token recognisable by its own literal prefix, e.g. `ghp_` + 36 base62.
 * `body` may be several segments joined by literal separators: [seg, '_', seg].
 */
export const tok = (o: Common & { prefix: string; body: Array<Body | string>; suffix?: string; keywords?: string[] }): Rule => {
  const parts = o.body.map((b) => (typeof b === 'string' ? esc(b) : bodyRe(b))).join('');
  const sample = o.body.map((b, i) => (typeof b === 'string' ? b : bodyFake(b, o.id + i))).join('');
  const value = o.prefix + sample + (o.suffix ?? '');
  const shortBody = o.body.map((b, i) => (typeof b === 'string' ? b : fake(b[0], Math.max(1, b[1] - 8), o.id + i))).join('');
  return {
    id: o.id,
    description: o.description,
    keywords: o.keywords ?? [o.prefix.toLowerCase()],
    pattern: new RegExp(`(?<![\\w-])(${esc(o.prefix)}${parts}${o.suffix ? esc(o.suffix) : ''})(?![\\w-])`, 'g'),
    entropy: o.entropy,
    severity: o.severity ?? 'high',
    confidence: o.confidence ?? 'high',
    examples: {
      positive: [`${o.id.replace(/-/g, '_')} = "${value}"`, `${o.id.toUpperCase().replace(/-/g, '_')}=${value}`],
      negative: [`token = "${o.prefix}${shortBody}"`, `${o.prefix}${'x'.repeat(sample.length)}`],
    },
  };
};

/**
 * Gitleaks-style "semi-generic" regex: an identifier, an assignment operator, then the secret.
 * The identifier may run on with a suffix and a type (`adafruitToken`, `var fastlyToken string =`,
 * `$jfrogToken .=`), be wrapped in plain or escaped quotes (`\"codecov_token\": \"…\"` in JSON inside
 * a string), and the operator may be any of `= := ::= ?= += .= => : > , ( |` (the last three only for
 * shaped secrets); the value may start after
 * a YAML block indicator or on the next line (`key: |` then the value indented below, `<key>` likewise).
 */
export const keyedRegex = (ids: string[], secret: string): RegExp => {
  // a value of "anything but whitespace and quotes" after `,` `(` or `|` would take the next argument or
  // list item for a secret (`set_encrypt_key, set_decrypt_key`): those operators need a shaped secret
  const loose = secret.startsWith('[^');
  const ops = loose ? '[<>?+.:]?=|::{1,2}=|=>|>|:|\\|\\|:' : '[<>?+.:]?=|::{1,2}=|=>|>|:|\\(|,|\\|\\|:|\\|';
  return new RegExp(
    `(?:${ids.map(esc).join('|')})[\\w.-]{0,25}(?:[ \\t]{1,4}[\\w.-]{1,12})?(?:\\\\*['"\\x60]){0,3}[ \\t]{0,5}` +
      `(?:${ops})[ \\t]{0,20}` +
      `(?:\\\\*['"\\x60]|[\\s=|>]){0,6}(${secret})(?:[\\x60'"\\s;,<)]|\\\\|$)`,
    'gi',
  );
};

const IDENTIFIER_WORDS = /^[A-Za-z]+(?:[_-][A-Za-z]+){2,}$/;

/** A vendor secret with no distinctive shape of its own, recognised by the vendor name nearby. */
export const keyed = (o: Common & { ids: string[]; secret: Body | string; sample?: string }): Rule => {
  const secretRe = typeof o.secret === 'string' ? o.secret : bodyRe(o.secret);
  const value = o.sample ?? (typeof o.secret === 'string' ? '' : bodyFake(o.secret, o.id));
  if (!value) throw new Error(`keyed rule ${o.id} needs a sample`);
  const name = o.ids[0].toUpperCase();
  const lowerIds = o.ids.map((i) => i.toLowerCase()).filter((i) => /^[a-z]{4,}$/.test(i));
  const shaped = !secretRe.startsWith('[^');
  return {
    id: o.id,
    description: o.description,
    keywords: o.ids.map((i) => i.toLowerCase()),
    pattern: keyedRegex(o.ids, secretRe),
    // a value that spells the vendor's name is an identifier in a list (`PagerDutyImageConfig, PagerDutyImage…`);
    // for token-shaped secrets (not free-form passwords, where a passphrase is fine) three or more
    // letter-only words joined by _ or - are an identifier too (`set_decrypt_key_for_the_cipher`)
    validate: (secret) => !(shaped && IDENTIFIER_WORDS.test(secret)) && !lowerIds.some((i) => secret.toLowerCase().includes(i)),
    entropy: o.entropy ?? 3,
    severity: o.severity ?? 'high',
    confidence: o.confidence ?? 'medium',
    examples: {
      positive: [
        `${name}_KEY=${value}`,
        `  ${o.ids[0]}_secret: "${value}"`,
        // the other syntaxes a value is assigned in: JSON inside a string, CSV, typed Go, Make/PHP appends,
        // YAML block scalars and an XML element on its own lines
        `\\{ \\"${o.ids[0]}_token\\": \\"${value}\\" \\}`,
        ...(secretRe.startsWith('[^') ? [] : [`${o.ids[0]}Token,${value},`]),
        `var ${o.ids[0]}Token string = "${value}"`,
        `${name}_TOKEN += "${value}"`,
        `$${o.ids[0]}Token .= "${value}"`,
        `${o.ids[0]}_token: |\n  ${value}`,
        `<${o.ids[0]}Token>\n    ${value}\n</${o.ids[0]}Token>`,
      ],
      negative: [
        `unrelated_value=${value}`,
        `${name}_KEY=${'x'.repeat(value.length)}`,
        `${name} docs ${value}`,
        `export type { I${o.ids[0]}Config as Other, ${o.ids[0]}ImageConfigurationSettingsHolder };`,
        `${o.ids[0]}_init(ctx, set_${o.ids[0]}_encrypt_key, set_decrypt_key_for_the_cipher);`,
      ],
    },
  };
};

export const SEV = { low: 'low', medium: 'medium', high: 'high', critical: 'critical' } as const;
