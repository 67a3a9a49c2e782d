// No import cycles in packages/*/src: each module can be loaded (and read) before the modules that
// import it. Edges are the imports that exist at run time: static imports and re-exports, side-effect
// imports and dynamic import(); `import type` / `export type` (erased by tsc) are not edges.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return f === 'node_modules' || f === 'dist' || f === 'test-support' ? [] : sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });

/** Relative specifiers that stay at run time. */
export const runtimeImports = (file: string, text: string): string[] => {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const typeOnly =
        c !== undefined &&
        (c.isTypeOnly ||
          (!c.name &&
            c.namedBindings !== undefined &&
            ts.isNamedImports(c.namedBindings) &&
            c.namedBindings.elements.length > 0 &&
            c.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly =
        node.isTypeOnly ||
        (node.exportClause !== undefined &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.length > 0 &&
          node.exportClause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out.filter((s) => s.startsWith('.'));
};

const resolve = (from: string, spec: string): string | undefined => {
  const base = path.resolve(path.dirname(from), spec);
  return [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, path.join(base, 'index.ts')].find(
    (c) => existsSync(c) && statSync(c).isFile(),
  );
};

/** Strongly connected components with more than one module (or a module importing itself), Tarjan's. */
export const cycles = (graph: Map<string, string[]>): string[][] => {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return found;
};

it('finds a two-module cycle and a longer one, and nothing in a chain (the detector works)', () => {
  const g = (edges: Record<string, string[]>) => new Map(Object.entries(edges));
  expect(cycles(g({ a: ['b'], b: ['a'], c: ['a'] }))).toEqual([['a', 'b']]);
  expect(cycles(g({ a: ['b'], b: ['c'], c: ['a'] }))).toEqual([['a', 'b', 'c']]);
  expect(cycles(g({ a: ['b'], b: ['c'], c: [] }))).toEqual([]);
  const text =
    "import type { A } from './a.js';\nimport { type B } from './b.js';\nimport { c, type C } from './c.js';\nexport type { D } from './d.js';\nexport { e } from './e.js';\nimport './f.js';\nconst g = () => import('./g.js');\nimport x from 'zod';";
  expect(runtimeImports('x.ts', text)).toEqual(['./c.js', './e.js', './f.js', './g.js']);
});

it.each(['sdk', 'scanner', 'server', 'cli'])('packages/%s/src has no import cycle', (pkg) => {
  const dir = path.join(root, 'packages', pkg, 'src');
  const graph = new Map<string, string[]>();
  for (const file of sources(dir)) {
    const deps = runtimeImports(file, readFileSync(file, 'utf8'))
      .map((s) => resolve(file, s))
      .filter((t): t is string => t !== undefined);
    graph.set(
      path.relative(root, file),
      deps.map((t) => path.relative(root, t)),
    );
  }
  expect(graph.size).toBeGreaterThan(3);
  expect(cycles(graph).map((c) => c.join(' → '))).toEqual([]);
});
