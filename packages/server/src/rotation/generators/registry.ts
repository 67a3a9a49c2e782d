// The generator registry: kind → definition. A new kind is a file in this folder plus one line here.
// generateValue() validates options (listing every problem) before drawing a value.
import { KeyhavenError } from '../../lib/errors.js';
import type { GeneratedValue, GeneratorDefinition } from './generator-types.js';
import { encryptionKeyGenerator, jwtSecretGenerator, webhookSecretGenerator } from './keys.js';
import { passwordGenerator } from './password.js';
import { sshKeyGenerator } from './ssh-key.js';
import { apiKeyGenerator, base64Generator, base64urlGenerator, hexGenerator, tokenGenerator, uuidGenerator } from './strings.js';
import { tlsCertificateGenerator } from './tls-certificate.js';

export const GENERATORS = {
  api_key: apiKeyGenerator,
  token: tokenGenerator,
  password: passwordGenerator,
  hex: hexGenerator,
  base64: base64Generator,
  base64url: base64urlGenerator,
  uuid: uuidGenerator,
  encryption_key: encryptionKeyGenerator,
  jwt_secret: jwtSecretGenerator,
  webhook_secret: webhookSecretGenerator,
  ssh_key: sshKeyGenerator,
  tls_certificate: tlsCertificateGenerator,
} as const;

export type GeneratorKind = keyof typeof GENERATORS;
export type GeneratorOptions<K extends GeneratorKind> = (typeof GENERATORS)[K] extends GeneratorDefinition<infer O> ? O : never;

export const isGeneratorKind = (kind: string): kind is GeneratorKind => Object.hasOwn(GENERATORS, kind);

export const listGenerators = (): GeneratorDefinition[] => Object.values(GENERATORS) as GeneratorDefinition[];

export const getGenerator = (kind: string): GeneratorDefinition => {
  if (!isGeneratorKind(kind)) {
    const known = Object.keys(GENERATORS);
    throw new KeyhavenError('GENERATOR_UNKNOWN', `No value generator of kind "${kind}"; use one of: ${known.join(', ')}.`, { kind, known });
  }
  return GENERATORS[kind] as GeneratorDefinition;
};

/** Validate raw options for a kind; throws GENERATOR_OPTIONS_INVALID listing every problem (details: [{ path, message }]). */
export const parseGeneratorOptions = (kind: string, raw: unknown): unknown => {
  const def = getGenerator(kind);
  const parsed = def.optionsSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ path: i.path.length ? i.path.join('.') : '(options)', message: i.message }));
    const list = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new KeyhavenError('GENERATOR_OPTIONS_INVALID', `The options for the "${kind}" generator are invalid: ${list}.`, problems);
  }
  return parsed.data;
};

export const generateValue = async (kind: string, rawOptions?: unknown): Promise<GeneratedValue> =>
  getGenerator(kind).generate(parseGeneratorOptions(kind, rawOptions));
