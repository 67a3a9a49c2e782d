// Keyword prefilter: one Aho–Corasick pass (ASCII, case-insensitive) over the whole input that
// reports where any rule keyword occurs, so rule patterns only run in windows around those hits.

const ALPHA = 128;

export interface KeywordAutomaton {
  keywords: string[];
  /** Calls onHit(keywordIndex, startOffset) for every occurrence. */
  scan(text: string, onHit: (keyword: number, start: number) => void): void;
}

export const buildAutomaton = (keywords: string[]): KeywordAutomaton => {
  for (const k of keywords) {
    if (!k || /[^\x00-\x7f]/.test(k) || k !== k.toLowerCase()) throw new Error(`keyword must be lowercase ASCII: ${JSON.stringify(k)}`);
  }
  // Trie in one flat, growable transition array (state * ALPHA + char), -1 = no edge. One buffer instead
  // of an Int32Array per state keeps the build cheap (it runs in every worker thread that loads rules).
  let go = new Int32Array(64 * ALPHA).fill(-1);
  let n = 1;
  const outputs: number[][] = [[]];
  keywords.forEach((kw, idx) => {
    let s = 0;
    for (let i = 0; i < kw.length; i++) {
      const c = kw.charCodeAt(i);
      let t = go[s * ALPHA + c];
      if (t === -1) {
        if ((n + 1) * ALPHA > go.length) {
          const grown = new Int32Array(go.length * 2).fill(-1);
          grown.set(go);
          go = grown;
        }
        t = n++;
        go[s * ALPHA + c] = t;
        outputs.push([]);
      }
      s = t;
    }
    outputs[s].push(idx);
  });
  // BFS to fill failure links and turn the trie into a full DFA.
  const fail = new Int32Array(n);
  const queue = new Int32Array(n);
  let qn = 0;
  for (let c = 0; c < ALPHA; c++) {
    const t = go[c];
    if (t === -1) go[c] = 0;
    else {
      fail[t] = 0;
      queue[qn++] = t;
    }
  }
  for (let qi = 0; qi < qn; qi++) {
    const s = queue[qi];
    if (outputs[fail[s]].length) outputs[s] = outputs[s].concat(outputs[fail[s]]);
    const row = s * ALPHA;
    const frow = fail[s] * ALPHA;
    for (let c = 0; c < ALPHA; c++) {
      const t = go[row + c];
      if (t === -1) go[row + c] = go[frow + c];
      else {
        fail[t] = go[frow + c];
        queue[qn++] = t;
      }
    }
  }
  // Flatten, folding upper case onto lower case.
  const table = new Int32Array(n * ALPHA);
  for (let s = 0; s < n; s++) {
    const row = s * ALPHA;
    for (let c = 0; c < ALPHA; c++) {
      const lc = c >= 65 && c <= 90 ? c + 32 : c;
      table[row + c] = go[row + lc] * ALPHA;
    }
  }
  const hasOut = new Uint8Array(n);
  for (let s = 0; s < n; s++) hasOut[s] = outputs[s].length > 0 ? 1 : 0;
  const lens = keywords.map((k) => k.length);

  return {
    keywords,
    scan(text, onHit) {
      let st = 0;
      const len = text.length;
      for (let i = 0; i < len; i++) {
        const c = text.charCodeAt(i);
        st = c < ALPHA ? table[st + c] : 0;
        if (st !== 0 && hasOut[st / ALPHA] === 1) {
          for (const k of outputs[st / ALPHA]) onHit(k, i - lens[k] + 1);
        }
      }
    },
  };
};
