// The value-generator contract: a kind, a zod options schema and an async generate() that draws
// every random bit from node:crypto.
import type { z } from 'zod';

export type GeneratedValue = string | Record<string, string>;

export interface GeneratorDefinition<O = unknown> {
  kind: string;
  description: string;
  optionsSchema: z.ZodType<O, z.ZodTypeDef, unknown>;
  generate(options: O): Promise<GeneratedValue>;
}

/** Identity helper that keeps the option type of one definition while the registry stores many. */
export const defineGenerator = <O>(def: GeneratorDefinition<O>): GeneratorDefinition<O> => def;
