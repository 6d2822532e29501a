// The Rust libc crate's FreeBSD definitions for one architecture, as
// scripts/abi-check.mjs reads them: cfg_if!/#[cfg] resolved for FreeBSD 14
// on amd64 or arm64, type aliases, constants (evaluated), extern "C"
// prototypes, and the C layout of structs computed from their field types
// (each field aligned to its own alignment, the struct padded to its largest).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

// ---- Rust: cfg evaluation, items, constants, struct layout ----

export const ARCHES = {
  amd64: { rustArch: 'x86_64', rustFiles: ['freebsd/x86_64/mod.rs', 'freebsd/freebsd14/x86_64.rs'], go: 'amd64' },
  arm64: { rustArch: 'aarch64', rustFiles: ['freebsd/aarch64.rs'], go: 'arm64' },
};

/** Evaluates a #[cfg(...)] condition for FreeBSD 14 on the given architecture. */
function cfgTrue(cond, arch) {
  let i = 0;
  const s = cond.trim();
  const ws = () => {
    while (/\s/.test(s[i] ?? '')) i++;
  };
  function expr() {
    ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
    if (!m) throw new Error(`cfg: cannot parse ${s}`);
    const id = m[0];
    i += id.length;
    ws();
    if (s[i] === '(') {
      i++;
      const parts = [];
      ws();
      while (s[i] !== ')') {
        parts.push(expr());
        ws();
        if (s[i] === ',') i++;
        ws();
      }
      i++;
      if (id === 'all') return parts.every(Boolean);
      if (id === 'any') return parts.some(Boolean);
      if (id === 'not') return !parts[0];
      return false;
    }
    if (s[i] === '=') {
      i++;
      ws();
      const v = /^"([^"]*)"/.exec(s.slice(i));
      i += v[0].length;
      const val = v[1];
      switch (id) {
        case 'target_os':
          return val === 'freebsd';
        case 'target_arch':
          return val === ARCHES[arch].rustArch;
        case 'target_pointer_width':
          return val === '64';
        case 'target_endian':
          return val === 'little';
        default:
          return false;
      }
    }
    if (/^freebsd\d+$/.test(id)) return id === 'freebsd14';
    if (id.startsWith('libc_')) return true; // a current compiler's features
    return false;
  }
  return expr();
}

export function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

/** Index of the brace matching the one at `open`. */
function matchBrace(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  throw new Error('unbalanced braces');
}

/** Replaces each cfg_if! { if #[cfg(..)] {..} else if .. else {..} } with the branch that applies. */
function resolveCfgIf(text, arch) {
  for (;;) {
    const at = text.indexOf('cfg_if!');
    if (at < 0) return text;
    const open = text.indexOf('{', at);
    const close = matchBrace(text, open);
    let body = text.slice(open + 1, close);
    let chosen = '';
    while (body.trim()) {
      const m = /^\s*(?:else\s+)?(?:if\s+#\[cfg\(([\s\S]*?)\)\]\s*)?\{/.exec(body);
      if (!m) break;
      const bOpen = m[0].length - 1;
      const bClose = matchBrace(body, bOpen);
      if (m[1] === undefined || cfgTrue(m[1], arch)) {
        chosen = body.slice(bOpen + 1, bClose);
        break;
      }
      body = body.slice(bClose + 1);
    }
    text = text.slice(0, at) + chosen + text.slice(close + 1);
  }
}

/** Drops items and fields whose #[cfg(..)] does not hold; other attributes go too. */
function dropCfgItems(text, arch) {
  let out = '';
  let i = 0;
  for (;;) {
    const at = text.indexOf('#[', i);
    if (at < 0) return out + text.slice(i);
    out += text.slice(i, at);
    let depth = 0;
    let end = at + 1;
    for (; end < text.length; end++) {
      if (text[end] === '[') depth++;
      else if (text[end] === ']' && --depth === 0) break;
    }
    const attr = text.slice(at + 2, end);
    i = end + 1;
    const cfg = /^cfg\(([\s\S]*)\)$/.exec(attr.trim());
    if (!cfg || cfgTrue(cfg[1], arch)) continue;
    // Skip the item: up to a ',' or ';' at depth 0, or through a {..} body.
    let d = 0;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '{' || c === '(' || c === '[') d++;
      else if (c === '}' || c === ')' || c === ']') {
        if (d === 0) break; // end of the enclosing block: the item was the last one
        if (--d === 0 && c === '}') {
          i++;
          break;
        }
      } else if ((c === ',' || c === ';') && d === 0) {
        i++;
        break;
      }
    }
  }
}

export function rustModel(arch, rustDir) {
  const base = path.join(rustDir, 'src/unix');
  const files = [
    'align.rs', // in6_addr (mod.rs includes it for every current compiler)
    'mod.rs',
    'bsd/mod.rs',
    'bsd/freebsdlike/mod.rs',
    'bsd/freebsdlike/freebsd/mod.rs',
    'bsd/freebsdlike/freebsd/freebsd14/mod.rs',
    'bsd/freebsdlike/freebsd/freebsd14/b64.rs',
    ...ARCHES[arch].rustFiles.map((f) => `bsd/freebsdlike/${f}`),
  ].map((f) => path.join(base, f));
  const types = new Map();
  const constExprs = new Map();
  const structs = new Map();
  const fns = new Map();
  for (const file of files) {
    if (!existsSync(file)) throw new Error(`${file} is missing`);
    const text = dropCfgItems(resolveCfgIf(stripComments(readFileSync(file, 'utf8')), arch), arch);
    for (const m of text.matchAll(/pub type (\w+)\s*=\s*([^;]+);/g)) types.set(m[1], m[2].trim());
    for (const m of text.matchAll(/pub const (\w+)\s*:\s*[^=]+=\s*([^;]+);/g)) constExprs.set(m[1], m[2].trim());
    for (const m of text.matchAll(/pub (struct|union) (\w+)\s*\{/g)) {
      const open = m.index + m[0].length - 1;
      const body = text.slice(open + 1, matchBrace(text, open));
      const fields = [];
      for (const f of body.split(/,(?![^[]*\])/)) {
        const fm = /^\s*(?:pub\s+)?(\w+)\s*:\s*([\s\S]+?)\s*$/.exec(f);
        if (fm) fields.push({ name: fm[1], type: fm[2] });
      }
      structs.set(m[2], { kind: m[1], fields });
    }
    for (const m of text.matchAll(/pub fn (\w+)\s*\(([^)]*)\)\s*(?:->\s*([^;{]+))?[;{]/g)) {
      const params = m[2].split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.replace(/^\w+\s*:\s*/, ''));
      fns.set(m[1], { params, ret: (m[3] ?? '()').trim() });
    }
  }
  const consts = new Map();
  const evalConst = (name, seen = new Set()) => {
    if (consts.has(name)) return consts.get(name);
    const expr = constExprs.get(name);
    if (expr === undefined || seen.has(name)) return undefined;
    seen.add(name);
    let js = expr.replace(/\bas\s+(?:::)?[\w:]+/g, '').replace(/::/g, '');
    js = js.replace(/\b(0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|\d[\d_]*)(?:[iu](?:8|16|32|64|128|size))?\b/g, (_, n) => `${n.replace(/_/g, '')}n`);
    let ok = true;
    js = js.replace(/\b([A-Za-z_][A-Za-z0-9_]*)\b(?!n\b)/g, (id) => {
      const v = evalConst(id, seen);
      if (v === undefined) ok = false;
      return `(${v}n)`;
    });
    js = js.replace(/!/g, '~');
    let v;
    if (ok && /^[\s\d()+\-*/<>|&~^xa-fA-FnoO]+$/.test(js)) {
      try {
        v = Number(Function(`return (${js});`)());
      } catch {
        v = undefined;
      }
    }
    consts.set(name, v);
    return v;
  };
  // vm_size_t: the crate names it in kinfo_proc but defines it only for
  // Apple; FreeBSD's sys/<arch>/include/_types.h has __vm_size_t = __uint64_t on LP64.
  const assumed = { vm_size_t: 'u64' };
  const prim = { i8: 1, u8: 1, bool: 1, i16: 2, u16: 2, i32: 4, u32: 4, f32: 4, char: 4, i64: 8, u64: 8, f64: 8, isize: 8, usize: 8, i128: 16, u128: 16 };
  const layoutCache = new Map();
  function resolve(type) {
    let t = type.trim().replace(/^::/, '');
    for (let n = 0; n < 20; n++) {
      const next = types.get(t) ?? assumed[t];
      if (next === undefined) break;
      t = next.trim().replace(/^::/, '');
    }
    return t;
  }
  function layout(type) {
    const t = resolve(type);
    if (t.startsWith('*') || t.startsWith('Option<') || t.startsWith('fn') || t.startsWith('extern')) return { size: 8, align: 8 };
    if (prim[t]) return { size: prim[t], align: prim[t] };
    const arr = /^\[([\s\S]+);\s*([^\]]+)\]$/.exec(t);
    if (arr) {
      const inner = layout(arr[1]);
      const n = evalExpr(arr[2]);
      if (n === undefined) throw new Error(`array length ${arr[2]}`);
      return { size: inner.size * n, align: inner.align };
    }
    return structLayout(t);
  }
  function evalExpr(expr) {
    const key = `__expr${constExprs.size}`;
    constExprs.set(key, expr);
    const v = evalConst(key);
    constExprs.delete(key);
    consts.delete(key);
    return v;
  }
  function structLayout(name) {
    if (layoutCache.has(name)) return layoutCache.get(name);
    const s = structs.get(name);
    if (!s) throw new Error(`type ${name} is not defined in the crate`);
    let off = 0;
    let align = 1;
    const fields = {};
    for (const f of s.fields) {
      const l = layout(f.type);
      if (s.kind === 'struct') off = Math.ceil(off / l.align) * l.align;
      fields[f.name] = { offset: s.kind === 'struct' ? off : 0, size: l.size };
      if (s.kind === 'struct') off += l.size;
      else off = Math.max(off, l.size);
      align = Math.max(align, l.align);
    }
    const r = { size: Math.ceil(off / align) * align, align, fields };
    layoutCache.set(name, r);
    return r;
  }
  const cls = (type) => {
    const t = resolve(type);
    if (t.startsWith('*')) return 'ptr';
    if (prim[t]) return `int${prim[t] * 8}`;
    return t;
  };
  return {
    name: `Rust libc ${path.basename(rustDir)}`,
    constant: (n) => evalConst(n),
    struct: (n) => (structs.has(n) ? structLayout(n) : undefined),
    typeSize: (n) => (types.has(n) ? layout(n).size : undefined),
    proto: (n) => {
      const f = fns.get(n);
      return f && { ret: f.ret === '()' ? 'void' : cls(f.ret), params: f.params.map(cls) };
    },
  };
}

