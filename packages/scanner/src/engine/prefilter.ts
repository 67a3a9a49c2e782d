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
  // Trie
  const gotoRows: Int32Array[] = [new Int32Array(ALPHA).fill(-1)];
  const outputs: number[][] = [[]];
  keywords.forEach((kw, idx) => {
    let s = 0;
    for (let i = 0; i < kw.length; i++) {
      const c = kw.charCodeAt(i);
      if (gotoRows[s][c] === -1) {
        gotoRows[s][c] = gotoRows.length;
        gotoRows.push(new Int32Array(ALPHA).fill(-1));
        outputs.push([]);
      }
      s = gotoRows[s][c];
    }
    outputs[s].push(idx);
  });
  // BFS to fill failure links and turn the trie into a full DFA.
  const n = gotoRows.length;
  const fail = new Int32Array(n);
  const queue: number[] = [];
  for (let c = 0; c < ALPHA; c++) {
    const t = gotoRows[0][c];
    if (t === -1) gotoRows[0][c] = 0;
    else {
      fail[t] = 0;
      queue.push(t);
    }
  }
  for (let qi = 0; qi < queue.length; qi++) {
    const s = queue[qi];
    outputs[s] = outputs[s].concat(outputs[fail[s]]);
    for (let c = 0; c < ALPHA; c++) {
      const t = gotoRows[s][c];
      if (t === -1) gotoRows[s][c] = gotoRows[fail[s]][c];
      else {
        fail[t] = gotoRows[fail[s]][c];
        queue.push(t);
      }
    }
  }
  // Flatten, folding upper case onto lower case.
  const table = new Int32Array(n * ALPHA);
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < ALPHA; c++) {
      const lc = c >= 65 && c <= 90 ? c + 32 : c;
      table[s * ALPHA + c] = gotoRows[s][lc] * ALPHA;
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
