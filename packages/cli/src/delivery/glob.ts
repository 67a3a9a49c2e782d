// Secret-name globs for `run --select`: `*` matches within one path segment, `**` across segments,
// `?` one character. A name without glob characters is an exact name.
export const isGlob = (s: string) => /[*?]/.test(s);

export const globToRegExp = (glob: string): RegExp => {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
};

/** The literal part of a glob before its first wildcard: used as the list prefix. */
export const globPrefix = (glob: string) => glob.slice(0, glob.search(/[*?]/) < 0 ? glob.length : glob.search(/[*?]/));
