// Template rendering for `inject`: `{{ keyhaven://name#field }}` references (and provider references
// such as `{{ aws-sm://name#field }}`) resolved through a resolver; errors name the line, not values.
import { CliError } from '../errors.js';

export const REFERENCE = /\{\{\s*([a-z][a-z0-9+.-]*:\/\/[^\s{}]+)\s*\}\}/g;

export interface Reference {
  ref: string;
  scheme: string;
  name: string;
  field?: string;
  line: number;
}

export const findReferences = (template: string): Reference[] => {
  const out: Reference[] = [];
  const lines = template.split('\n');
  lines.forEach((text, i) => {
    for (const m of text.matchAll(REFERENCE)) {
      const ref = m[1]!;
      const scheme = ref.slice(0, ref.indexOf('://'));
      const rest = ref.slice(scheme.length + 3);
      const h = rest.indexOf('#');
      out.push({ ref, scheme, name: h < 0 ? rest : rest.slice(0, h), field: h < 0 ? undefined : rest.slice(h + 1), line: i + 1 });
    }
  });
  return out;
};

export const renderTemplate = async (
  template: string,
  file: string,
  resolve: (r: Reference) => Promise<unknown>,
): Promise<{ text: string; values: Map<string, string> }> => {
  const values = new Map<string, string>();
  for (const r of findReferences(template)) {
    if (values.has(r.ref)) continue;
    let v: unknown;
    try {
      v = await resolve(r);
    } catch (e) {
      throw new CliError(
        `${file}:${r.line}: cannot resolve ${r.ref}: ${e instanceof Error ? e.message : 'error'}`,
        (e as { exitCode?: 1 }).exitCode ?? 1,
      );
    }
    values.set(r.ref, typeof v === 'string' ? v : JSON.stringify(v));
  }
  return { text: template.replace(REFERENCE, (_all, ref: string) => values.get(ref)!), values };
};
