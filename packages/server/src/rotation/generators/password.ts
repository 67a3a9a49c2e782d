// Password generator with a character-class policy: each class (lower, upper, digits, symbols) is
// off (false), required once (true) or required n times (number); excluded characters never appear.
import { z } from 'zod';
import { KeyhavenError } from '../../lib/errors.js';
import { defineGenerator } from './generator-types.js';
import { DIGITS, LOWER, UPPER, randomString, shuffle } from './random.js';

export const DEFAULT_SYMBOLS = '!#$%&()*+,-./:;<=>?@[]^_{|}~';
export const AMBIGUOUS = 'O0Il1|`\'"';

const classRule = z.union([z.boolean(), z.number().int().min(0).max(1024)]);

export const passwordOptionsSchema = z
  .object({
    length: z.number().int().min(4).max(1024).default(32),
    lower: classRule.default(true),
    upper: classRule.default(true),
    digits: classRule.default(true),
    symbols: classRule.default(true),
    symbol_set: z.string().min(1).max(128).default(DEFAULT_SYMBOLS),
    exclude: z.string().max(256).default(''),
    exclude_ambiguous: z.boolean().default(false),
  })
  .strict();

export type PasswordOptions = z.infer<typeof passwordOptionsSchema>;

interface CharClass {
  name: string;
  chars: string;
  min: number;
}

/** Resolve a policy into usable classes, or throw PASSWORD_POLICY_IMPOSSIBLE listing every problem. */
export const resolvePasswordPolicy = (o: PasswordOptions): CharClass[] => {
  const excluded = new Set([...o.exclude, ...(o.exclude_ambiguous ? AMBIGUOUS : '')]);
  const keep = (s: string) => [...new Set(s)].filter((c) => !excluded.has(c)).join('');
  const rules: Array<[string, boolean | number, string]> = [
    ['lower', o.lower, LOWER],
    ['upper', o.upper, UPPER],
    ['digits', o.digits, DIGITS],
    ['symbols', o.symbols, o.symbol_set],
  ];
  const problems: Array<{ path: string; message: string }> = [];
  const classes: CharClass[] = [];
  for (const [name, rule, all] of rules) {
    if (rule === false) continue;
    const min = rule === true ? 1 : rule;
    const chars = keep(all);
    if (chars.length === 0) {
      if (min > 0) problems.push({ path: name, message: `${name} is required but every ${name} character is excluded` });
      continue;
    }
    classes.push({ name, chars, min });
  }
  if (classes.length === 0 && problems.length === 0)
    problems.push({ path: '(policy)', message: 'no character class is enabled or every allowed character is excluded' });
  const totalMin = classes.reduce((n, c) => n + c.min, 0);
  if (totalMin > o.length)
    problems.push({ path: 'length', message: `the minimum counts add up to ${totalMin}, more than the length ${o.length}` });
  if (problems.length > 0) {
    throw new KeyhavenError(
      'PASSWORD_POLICY_IMPOSSIBLE',
      `No password can satisfy this policy: ${problems.map((p) => p.message).join('; ')}.`,
      problems,
    );
  }
  return classes;
};

export const generatePassword = (o: PasswordOptions): string => {
  const classes = resolvePasswordPolicy(o);
  const required = classes.flatMap((c) => [...randomString(c.chars, c.min)]);
  const pool = [...new Set(classes.map((c) => c.chars).join(''))].join('');
  const rest = [...randomString(pool, o.length - required.length)];
  return shuffle([...required, ...rest]).join('');
};

export const passwordGenerator = defineGenerator({
  kind: 'password',
  description:
    'A password from a policy: length, character classes (false = off, true = at least one, n = at least n), symbol set and excluded characters.',
  optionsSchema: passwordOptionsSchema,
  generate: async (o) => generatePassword(o),
});
