// The writer both recall corpus generators use (generate-recall-corpus.ts, generate-recall2-corpus.ts):
// `S(value)` marks a planted secret, `put(file, text)` records a file and labels the lines of a
// positives/ file that hold its marked values, `label(file, lines)` sets them by hand, `write()` replaces the corpus directory and its
// labels.json (file -> secret line numbers; negatives/ must yield nothing).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const createLabelledCorpus = (root: string, description: string) => {
  const files: Record<string, string | Buffer> = {};
  const labels: Record<string, number[]> = {};
  const marks: string[] = [];
  return {
    /** Mark a value as a planted secret: the line it ends up on is labelled positive. */
    S(v: string) {
      marks.push(v);
      return v;
    },
    put(file: string, text: string | Buffer) {
      files[file] = text;
      const planted = marks.splice(0);
      if (!file.startsWith('positives/')) return;
      const lines = text.toString('latin1').split('\n');
      const hit = new Set<number>();
      for (const m of planted) {
        const first = m.split('\n')[0]!;
        const i = lines.findIndex((l) => l.includes(first));
        if (i < 0) throw new Error(`mark not found in ${file}: ${first.slice(0, 20)}`);
        hit.add(i + 1);
      }
      labels[file] = [...hit].sort((a, b) => a - b);
    },
    /** Sets a file's labelled lines by hand (binary files, or lines a mark cannot find). */
    label(file: string, lines: number[]) {
      labels[file] = lines;
    },
    write() {
      rmSync(root, { recursive: true, force: true });
      for (const [file, text] of Object.entries(files)) {
        const abs = path.join(root, file);
        mkdirSync(path.dirname(abs), { recursive: true });
        writeFileSync(abs, text);
      }
      writeFileSync(path.join(root, 'labels.json'), JSON.stringify({ description, labels }, null, 2) + '\n');
      console.log(`wrote ${Object.keys(files).length} files, ${Object.values(labels).flat().length} labelled lines`);
    },
  };
};
