// Streaming parser for `git log -p` / `git diff` output (run with -U0 and --no-renames): groups the
// added lines of each file of each commit, keeping their real line numbers.

export interface CommitInfo {
  commit: string;
  author: string;
  email: string;
  date: string;
}
export interface AddedChunk {
  commit?: CommitInfo;
  file: string;
  lines: string[];
  lineNumbers: number[];
}

export const COMMIT_MARK = '\x1ecommit ';
/** `--format` for git log that the parser understands. */
export const LOG_FORMAT = '--format=%x1ecommit %H%x1f%an%x1f%ae%x1f%aI';

const HUNK = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

export const createDiffParser = (onChunk: (c: AddedChunk) => void) => {
  let commit: CommitInfo | undefined;
  let file: string | undefined;
  let lines: string[] = [];
  let nums: number[] = [];
  let oldLeft = 0;
  let newLeft = 0;
  let newLine = 0;
  const flush = () => {
    if (file && lines.length) onChunk({ commit, file, lines, lineNumbers: nums });
    lines = [];
    nums = [];
  };
  const unquote = (p: string) => (p.startsWith('"') ? (JSON.parse(p) as string) : p);
  return {
    line(l: string) {
      if (oldLeft > 0 || newLeft > 0) {
        const c = l.charCodeAt(0);
        if (c === 43 /* + */) {
          lines.push(l.slice(1));
          nums.push(newLine++);
          newLeft--;
          return;
        }
        if (c === 45 /* - */) {
          oldLeft--;
          return;
        }
        if (c === 32 /* space */) {
          newLine++;
          oldLeft--;
          newLeft--;
          return;
        }
        if (c === 92 /* \ No newline */) return;
        oldLeft = newLeft = 0; // malformed: fall through to header handling
      }
      if (l.startsWith(COMMIT_MARK)) {
        flush();
        file = undefined;
        const [hash, author, email, date] = l.slice(COMMIT_MARK.length).split('\x1f');
        commit = { commit: hash, author: author ?? '', email: email ?? '', date: date ?? '' };
      } else if (l.startsWith('diff --git ')) {
        flush();
        file = undefined;
      } else if (l.startsWith('+++ ')) {
        const p = l.slice(4);
        file = p === '/dev/null' ? undefined : unquote(p).replace(/^b\//, '');
      } else if (l.startsWith('@@')) {
        const m = HUNK.exec(l);
        if (m) {
          oldLeft = m[1] === undefined ? 1 : Number(m[1]);
          newLine = Number(m[2]);
          newLeft = m[3] === undefined ? 1 : Number(m[3]);
        }
      }
    },
    end: flush,
  };
};
