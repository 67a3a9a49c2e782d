// The detection engine: compiles a rule set (keyword automaton + per-rule global regexes) and scans
// one text: prefilter hits → windows → patterns → entropy/validation/allowlists → findings.
import { createHash } from 'node:crypto';
import type { Finding, Rule } from '../types.js';
import { buildAutomaton, type KeywordAutomaton } from './prefilter.js';
import { shannonEntropy } from './entropy.js';
import { hasInlineAllow, type Allowlist } from './allowlist.js';
import { redact } from './redact.js';
import { fileContext, lowerConfidence } from './context.js';

export interface CompiledRules {
  rules: Rule[];
  regexes: RegExp[];
  automaton: KeywordAutomaton;
  /** keyword index → rule indexes */
  byKeyword: number[][];
}

export const compileRules = (rules: Rule[]): CompiledRules => {
  const kwIndex = new Map<string, number>();
  const byKeyword: number[][] = [];
  const seen = new Set<string>();
  rules.forEach((r, ri) => {
    if (seen.has(r.id)) throw new Error(`duplicate rule id: ${r.id}`);
    seen.add(r.id);
    if (r.keywords.length === 0 && !r.paths) throw new Error(`rule ${r.id} needs keywords or a paths filter`);
    for (const k of r.keywords) {
      let ki = kwIndex.get(k);
      if (ki === undefined) {
        ki = byKeyword.length;
        kwIndex.set(k, ki);
        byKeyword.push([]);
      }
      if (!byKeyword[ki].includes(ri)) byKeyword[ki].push(ri);
    }
  });
  const regexes = rules.map((r) => new RegExp(r.pattern.source, r.pattern.flags.includes('g') ? r.pattern.flags : r.pattern.flags + 'g'));
  return { rules, regexes, automaton: buildAutomaton([...kwIndex.keys()]), byKeyword };
};

export interface ScanTextOptions {
  path: string;
  allowlist: Allowlist;
  reveal?: boolean;
}

interface Raw {
  ri: number;
  offset: number;
  loc: number;
  secret: string;
  entropy: number;
  generic: boolean;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const fingerprintOf = (ruleId: string, file: string, secretSha: string) => sha256(`${ruleId}\0${file}\0${secretSha}`).slice(0, 32);

const NL = 10;

/** Extend [s, e) to whole lines, but never more than `limit` characters in either direction. */
const snap = (text: string, s: number, e: number, limit: number): [number, number] => {
  let a = s;
  const amin = Math.max(0, s - limit);
  while (a > amin && text.charCodeAt(a - 1) !== NL) a--;
  let b = e;
  const bmax = Math.min(text.length, e + limit);
  while (b < bmax && text.charCodeAt(b) !== NL) b++;
  return [a, b];
};

/** The line around `offset`, clipped to LINE_CONTEXT chars each side so huge minified lines stay cheap. */
const LINE_CONTEXT = 400;
const lineBounds = (text: string, offset: number, endOffset = offset): [number, number] => {
  let a = offset;
  const amin = Math.max(0, offset - LINE_CONTEXT);
  while (a > amin && text.charCodeAt(a - 1) !== NL) a--;
  let b = endOffset;
  const bmax = Math.min(text.length, endOffset + LINE_CONTEXT);
  while (b < bmax && text.charCodeAt(b) !== NL) b++;
  return [a, b];
};

export const scanText = (text: string, compiled: CompiledRules, opts: ScanTextOptions): Finding[] => {
  const { rules, regexes } = compiled;
  const hits: number[][] = new Array(rules.length);
  compiled.automaton.scan(text, (k, start) => {
    for (const ri of compiled.byKeyword[k]) (hits[ri] ??= []).push(start);
  });
  const raws: Raw[] = [];
  const runRegion = (ri: number, ws: number, we: number, seen: Set<number>) => {
    const rule = rules[ri];
    const re = regexes[ri];
    const region = text.slice(ws, we);
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(region)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      let g = rule.secretGroup ?? 0;
      if (rule.secretGroup === undefined)
        for (let i = m.length - 1; i > 0; i--)
          if (m[i] !== undefined) {
            g = i;
            break;
          }
      const secret = m[g];
      if (!secret) continue;
      const rel = g === 0 ? 0 : m[0].indexOf(secret);
      const offset = ws + m.index + (rel < 0 ? 0 : rel);
      if (seen.has(offset)) continue;
      seen.add(offset);
      const entropy = shannonEntropy(secret);
      if (rule.entropy !== undefined && entropy < rule.entropy) continue;
      if (opts.allowlist.valueAllowed(secret)) continue;
      if (rule.validate) {
        const [ls, le] = lineBounds(text, offset, offset + secret.length);
        if (!rule.validate(secret, { line: text.slice(ls, le), window: region, path: opts.path })) continue;
      }
      raws.push({ ri, offset, loc: rule.reportAt === 'match' ? ws + m.index : offset, secret, entropy, generic: rule.generic === true });
    }
  };
  for (let ri = 0; ri < rules.length; ri++) {
    const rule = rules[ri];
    if (rule.paths && !rule.paths.test(opts.path)) continue;
    const seen = new Set<number>();
    if (rule.keywords.length === 0) {
      runRegion(ri, 0, text.length, seen);
      continue;
    }
    const h = hits[ri];
    if (!h) continue;
    h.sort((a, b) => a - b);
    const before = rule.window?.before ?? 256;
    const after = rule.window?.after ?? 512;
    let cs = -1;
    let ce = -1;
    for (const p of h) {
      const s = Math.max(0, p - before);
      const e = Math.min(text.length, p + after);
      if (cs >= 0 && s <= ce) {
        ce = Math.max(ce, e);
        continue;
      }
      if (cs >= 0) {
        const [a, b] = snap(text, cs, ce, 512);
        runRegion(ri, a, b, seen);
      }
      cs = s;
      ce = e;
    }
    if (cs >= 0) {
      const [a, b] = snap(text, cs, ce, 512);
      runRegion(ri, a, b, seen);
    }
  }
  return toFindings(text, raws, compiled, opts);
};

const toFindings = (text: string, raws: Raw[], compiled: CompiledRules, opts: ScanTextOptions): Finding[] => {
  raws.sort((a, b) => a.offset - b.offset || Number(a.generic) - Number(b.generic));
  // Generic rules yield to any specific match overlapping the same span, and to earlier generic ones.
  const specific = raws.filter((r) => !r.generic);
  const maxEnd: number[] = [];
  specific.forEach((s, i) => (maxEnd[i] = Math.max(i > 0 ? maxEnd[i - 1] : 0, s.offset + s.secret.length)));
  const kept: Raw[] = [];
  let genericEnd = -1;
  for (const r of raws) {
    if (r.generic) {
      const end = r.offset + r.secret.length;
      let lo = 0;
      let hi = specific.length - 1;
      let j = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (specific[mid].offset < end) {
          j = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if ((j >= 0 && maxEnd[j] > r.offset) || r.offset < genericEnd) continue;
      genericEnd = end;
    }
    kept.push(r);
  }
  kept.sort((a, b) => a.loc - b.loc);
  const context = fileContext(opts.path);
  const out: Finding[] = [];
  let line = 1;
  let pos = 0;
  let lineStart = 0;
  for (const r of kept) {
    for (; pos < r.loc; pos++)
      if (text.charCodeAt(pos) === NL) {
        line++;
        lineStart = pos + 1;
      }
    const [ls, le] = lineBounds(text, r.loc, r.offset + r.secret.length);
    if (hasInlineAllow(text.slice(ls, le))) continue;
    const rule = compiled.rules[r.ri];
    const sha = sha256(r.secret);
    const column = r.loc - lineStart + 1;
    const f: Finding = {
      ruleId: rule.id,
      description: rule.description,
      severity: rule.severity,
      confidence: context && rule.generic ? lowerConfidence(rule.confidence) : rule.confidence,
      file: opts.path,
      line,
      column,
      endColumn: column + r.secret.length,
      entropy: Math.round(r.entropy * 1000) / 1000,
      redacted: redact(r.secret),
      sha256: sha,
      fingerprint: fingerprintOf(rule.id, opts.path, sha),
    };
    if (context) f.context = context;
    if (opts.reveal) f.secret = r.secret;
    out.push(f);
  }
  return out;
};
