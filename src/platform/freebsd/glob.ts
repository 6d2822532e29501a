/**
 * fnmatch(3)-style patterns as devfs(8) rules use them: `*`, `?`, `[...]`
 * (with `!` or `^` negation and ranges), `\` escapes. Used to decide whether
 * a requested devfs rule could expose a device from the refused list: two
 * patterns overlap when some name matches both. `*` and `?` are allowed to
 * match `/` here (devfs uses FNM_PATHNAME, so this only refuses more). Pure.
 */
type Token =
  | { t: 'lit'; c: number }
  | { t: 'any' }
  | { t: 'star' }
  | { t: 'class'; neg: boolean; ranges: [number, number][] };

function tokenize(p: string): Token[] {
  const out: Token[] = [];
  const cs = Array.from(p, (ch) => ch.codePointAt(0) as number);
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i] as number;
    if (c === 0x5c /* \ */ && i + 1 < cs.length) out.push({ t: 'lit', c: cs[++i] as number });
    else if (c === 0x2a /* * */) {
      if (out.at(-1)?.t !== 'star') out.push({ t: 'star' });
    } else if (c === 0x3f /* ? */) out.push({ t: 'any' });
    else if (c === 0x5b /* [ */) {
      let j = i + 1;
      const neg = cs[j] === 0x21 || cs[j] === 0x5e;
      if (neg) j++;
      const ranges: [number, number][] = [];
      let first = true;
      for (; j < cs.length && (first || cs[j] !== 0x5d); j++, first = false) {
        let lo = cs[j] as number;
        if (lo === 0x5c && j + 1 < cs.length) lo = cs[++j] as number;
        if (cs[j + 1] === 0x2d && j + 2 < cs.length && cs[j + 2] !== 0x5d) {
          ranges.push([lo, cs[j + 2] as number]);
          j += 2;
        } else ranges.push([lo, lo]);
      }
      if (j >= cs.length) out.push({ t: 'lit', c }); // no closing ']': a literal '['
      else {
        out.push({ t: 'class', neg, ranges });
        i = j;
      }
    } else out.push({ t: 'lit', c });
  }
  return out;
}

function accepts(tok: Token, c: number): boolean {
  switch (tok.t) {
    case 'lit':
      return tok.c === c;
    case 'any':
    case 'star':
      return true;
    case 'class':
      return tok.ranges.some(([lo, hi]) => c >= lo && c <= hi) !== tok.neg;
  }
}

/** Positions reachable from i without consuming (skipping stars). */
function closure(toks: Token[], i: number): number[] {
  const out = [i];
  while (i < toks.length && toks[i]?.t === 'star') out.push(++i);
  return out;
}

/** One representative per class of characters the patterns can tell apart. */
function alphabet(...lists: Token[][]): number[] {
  const set = new Set<number>([1]);
  for (const toks of lists) {
    for (const tok of toks) {
      if (tok.t === 'lit') set.add(tok.c).add(tok.c + 1);
      if (tok.t === 'class') for (const [lo, hi] of tok.ranges) set.add(lo).add(hi + 1);
    }
  }
  return [...set];
}

/** True when some name matches both patterns (product automaton, breadth first). */
export function globsOverlap(a: string, b: string): boolean {
  const ta = tokenize(a);
  const tb = tokenize(b);
  const sigma = alphabet(ta, tb);
  const seen = new Set<string>();
  const queue: [number, number][] = [];
  const push = (i: number, j: number) => {
    for (const x of closure(ta, i)) {
      for (const y of closure(tb, j)) {
        const key = `${x},${y}`;
        if (!seen.has(key)) {
          seen.add(key);
          queue.push([x, y]);
        }
      }
    }
  };
  push(0, 0);
  while (queue.length) {
    const [i, j] = queue.shift() as [number, number];
    if (i === ta.length && j === tb.length) return true;
    const x = ta[i];
    const y = tb[j];
    if (!x || !y) continue;
    for (const c of sigma) {
      if (!accepts(x, c) || !accepts(y, c)) continue;
      push(x.t === 'star' ? i : i + 1, y.t === 'star' ? j : j + 1);
    }
  }
  return false;
}

/** fnmatch without flags: does the name match the pattern? */
export function globMatch(pattern: string, name: string): boolean {
  return globsOverlap(pattern, name.replace(/[\\*?[]/g, '\\$&'));
}

export function hasGlob(pattern: string): boolean {
  return /[*?[\\]/.test(pattern);
}
