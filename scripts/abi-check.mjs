#!/usr/bin/env node
// Checks every FreeBSD ABI number runj uses (src/platform/freebsd/abi.ts)
// against two independent descriptions of FreeBSD, for amd64 and arm64:
//   - the Rust libc crate (Debian's librust-libc-dev): struct definitions,
//     whose C layout is computed here from the field types (size, alignment,
//     padding), constants and extern "C" prototypes;
//   - Go's golang.org/x/sys/unix (golang-golang-x-sys-dev): cgo-generated
//     structs (ztypes_freebsd_*.go), constants (zerrors_freebsd_*.go) and
//     the kernel's syscall prototypes (comments of zsysnum_freebsd_*.go).
// A value passes when at least one source has it and no source disagrees;
// a value no source has must be listed in abi.ts's UNVERIFIED with a
// reason. Anything else fails (exit 1).
//
// Usage: node scripts/abi-check.mjs [--abi FILE.ts] [--headers DIR] [--rust DIR] [--go DIR] [--verbose]
//        node scripts/abi-check.mjs --dump amd64|arm64 STRUCT...
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const verbose = args.includes('--verbose');
const abiFile = path.resolve(opt('--abi', path.join(root, 'src/platform/freebsd/abi.ts')));
const registry = '/usr/share/cargo/registry';
const rustDir =
  opt('--rust') ??
  (existsSync(registry) && readdirSync(registry).filter((d) => /^libc-0\.2\./.test(d)).sort().map((d) => path.join(registry, d)).pop());
const goDir = opt('--go', '/usr/share/gocode/src/golang.org/x/sys/unix');

function die(msg) {
  console.error(`abi-check: ${msg}`);
  process.exit(2);
}
if (!rustDir || !existsSync(path.join(rustDir, 'src/unix/bsd/freebsdlike'))) die('the Rust libc crate is missing (apt-get install librust-libc-dev)');
if (!existsSync(path.join(goDir, 'ztypes_freebsd_amd64.go'))) die('golang.org/x/sys/unix is missing (apt-get install golang-golang-x-sys-dev)');

async function loadAbi(file) {
  const out = await build({ entryPoints: [file], bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'silent' });
  const code = out.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

// ---- Rust: cfg evaluation, items, constants, struct layout ----

const ARCHES = {
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

function stripComments(text) {
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

function rustModel(arch) {
  const base = path.join(rustDir, 'src/unix');
  const files = [
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
    if (!existsSync(file)) die(`${file} is missing`);
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

// ---- Go: ztypes, zerrors, zsysnum ----

function cClass(type) {
  const t = type.replace(/\b(const|struct|volatile)\b/g, '').replace(/\s+/g, ' ').trim();
  if (t.includes('*')) return 'ptr';
  // Integer arguments compare by size: that is what the calling convention sees.
  const map = {
    int: 'int32', pid_t: 'int32', 'unsigned int': 'int32', u_int: 'int32', uint32_t: 'int32', int32_t: 'int32', idtype_t: 'int32',
    size_t: 'int64', u_long: 'int64', 'unsigned long': 'int64', long: 'int64', ssize_t: 'int64', off_t: 'int64', id_t: 'int64',
    int64_t: 'int64', uint64_t: 'int64', void: 'void',
  };
  return map[t] ?? t;
}

/** "int f(struct iovec *iovp, u_int n)" → { ret, name, params } with classified types. */
function parseCProto(text) {
  const m = /^\s*([\w\s*]+?)\s*\b(\w+)\s*\(([^)]*)\)/.exec(text);
  if (!m) return undefined;
  const params = m[3].trim() === 'void' || !m[3].trim() ? [] : m[3].split(',').map((p) => cClass(p.trim().replace(/\b\w+\s*$/, (w) => (/^(int|long|char|void|size_t)$/.test(w) ? w : ''))));
  return { ret: cClass(m[1]), name: m[2], params };
}

function goModel(arch) {
  const g = ARCHES[arch].go;
  const read = (f) => readFileSync(path.join(goDir, f), 'utf8');
  const errs = read(`zerrors_freebsd_${g}.go`);
  const typesText = read(`ztypes_freebsd_${g}.go`);
  const sysnum = read(`zsysnum_freebsd_${g}.go`);
  const consts = new Map();
  for (const src of [errs, typesText]) {
    for (const m of src.matchAll(/^\s*(\w+)\s*=\s*(?:syscall\.\w+\()?(-?(?:0x[0-9a-fA-F]+|\d+))\)?\s*$/gm)) consts.set(m[1], Number(m[2]));
  }
  const structs = new Map();
  for (const m of typesText.matchAll(/^type (\w+) struct \{\n([\s\S]*?)^\}/gm)) {
    const fields = [...m[2].matchAll(/^\s*(\w+)\s+(\S+)/gm)].map((f) => ({ name: f[1], type: f[2] }));
    structs.set(m[1], fields);
  }
  const prim = { int8: 1, uint8: 1, byte: 1, bool: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, rune: 4, int64: 8, uint64: 8, float64: 8, int: 8, uint: 8, uintptr: 8 };
  const goAliases = new Map([...typesText.matchAll(/^type (\w+) (\w+)$/gm)].map((m) => [m[1], m[2]]));
  function layout(t) {
    if (t.startsWith('*')) return { size: 8, align: 8 };
    const arr = /^\[(\d+)\](.+)$/.exec(t);
    if (arr) {
      const l = layout(arr[2]);
      return { size: l.size * Number(arr[1]), align: l.align };
    }
    if (prim[t]) return { size: prim[t], align: prim[t] };
    if (goAliases.has(t)) return layout(goAliases.get(t));
    const s = structLayout(t);
    return { size: s.size, align: s.align };
  }
  function structLayout(name) {
    const fields = structs.get(name);
    if (!fields) throw new Error(`Go type ${name} unknown`);
    let off = 0;
    let align = 1;
    const out = {};
    for (const f of fields) {
      const l = layout(f.type);
      off = Math.ceil(off / l.align) * l.align;
      out[f.name] = { offset: off, size: l.size };
      off += l.size;
      align = Math.max(align, l.align);
    }
    return { size: Math.ceil(off / align) * align, align, fields: out };
  }
  const protos = new Map();
  for (const m of sysnum.matchAll(/^\s*SYS_\w+\s*=\s*\d+\s*\/\/\s*\{\s*([^}]*?);?\s*\}/gm)) {
    const p = parseCProto(m[1]);
    if (p) protos.set(p.name, p);
  }
  // Go names: iovec → Iovec, kinfo_proc → KinfoProc; fields lose their "iov_" prefix and gain a capital.
  const goStruct = (c) => c.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  const goField = (c) => {
    const bare = c.replace(/^[a-z]+_/, '');
    return bare[0].toUpperCase() + bare.slice(1).replace(/_(\w)/g, (_, x) => x.toUpperCase());
  };
  return {
    name: 'Go x/sys/unix',
    constant: (n) => consts.get(n),
    struct: (n) => {
      const gs = goStruct(n);
      if (!structs.has(gs)) return undefined;
      const l = structLayout(gs);
      const fields = {};
      for (const k of Object.keys(l.fields)) fields[k] = l.fields[k];
      return { size: l.size, fields: new Proxy(fields, { get: (o, k) => o[goField(String(k))] }) };
    },
    typeSize: () => undefined,
    // libc's sysctl(3) is the __sysctl system call with the same arguments.
    proto: (n) => protos.get(n === 'sysctl' ? '__sysctl' : n),
  };
}

// ---- the checks ----

// --dump ARCH STRUCT...: the computed C layout of crate structs (for reading, not checking).
if (args.includes('--dump')) {
  const at = args.indexOf('--dump');
  const m = rustModel(args[at + 1]);
  for (const n of args.slice(at + 2)) console.log(n, JSON.stringify(m.struct(n)));
  process.exit(0);
}
const abi = await loadAbi(abiFile);
const failures = [];
const unverifiedSeen = new Set();
const perArch = {};
let protoCount = 0;

function check(arch, sources, key, ours, get, mine = 'abi.ts') {
  const results = sources.map((s) => [s.name, get(s)]).filter(([, v]) => v !== undefined);
  const agree = results.filter(([, v]) => v === ours);
  const disagree = results.filter(([, v]) => v !== ours);
  const unverifiedReason = abi.UNVERIFIED[key];
  for (const [src, v] of disagree) failures.push(`${arch}: ${key} is ${ours} in ${mine} but ${v} in ${src}`);
  if (agree.length) {
    perArch[arch].asserts += agree.length;
    if (unverifiedReason) failures.push(`${arch}: ${key} is listed in UNVERIFIED but ${agree.map(([s]) => s).join(' and ')} has it: remove it from the list`);
    if (verbose) console.log(`${arch}: ${key} = ${ours} (${agree.map(([s]) => s).join(', ')})`);
  } else if (!disagree.length) {
    if (unverifiedReason) unverifiedSeen.add(`${key}: ${unverifiedReason}`);
    else failures.push(`${arch}: ${key} (${ours}) is in no source and not listed in UNVERIFIED`);
  }
}

for (const arch of Object.keys(ARCHES)) {
  perArch[arch] = { asserts: 0 };
  const sources = [rustModel(arch), goModel(arch)];
  for (const [sname, s] of Object.entries(abi.STRUCTS)) {
    check(arch, sources, `sizeof(struct ${sname})`, s.size, (src) => src.struct(sname)?.size);
    for (const [fname, f] of Object.entries(s.fields)) {
      check(arch, sources, `${sname}.${fname} offset`, f.offset, (src) => src.struct(sname)?.fields[fname]?.offset);
      check(arch, sources, `${sname}.${fname} size`, f.size, (src) => src.struct(sname)?.fields[fname]?.size);
    }
  }
  check(arch, sources, 'sizeof(size_t)', abi.SIZE_T, (src) => src.typeSize('size_t') ?? src.struct('iovec')?.fields.iov_len?.size);
  const named = (prefix, obj) => Object.entries(obj).map(([k, v]) => [`${prefix}${k}`, v]);
  const constants = [
    ...named('JAIL_', abi.JAIL),
    ...named('MNT_', abi.MNT),
    ...Object.entries(abi.SYSCTL),
    ...Object.entries(abi.RLIMITS),
    ...Object.entries(abi.SIGNALS),
    ['SIGRTMIN', abi.SIGRTMIN],
    ['SIGRTMAX', abi.SIGRTMAX],
    ...Object.entries(abi.ERRNO).map(([n, [name]]) => [name, Number(n)]),
  ];
  for (const [name, v] of constants) check(arch, sources, name, v, (src) => src.constant(name));
  for (const [name, v] of Object.entries(abi.PROC_STAT)) check(arch, sources, `PROC_STAT.${name}`, v, (src) => src.constant(name));
  for (const [name, text] of Object.entries(abi.PROTOTYPES)) {
    const ours = parseCProto(text);
    if (!ours || ours.name !== name) {
      failures.push(`PROTOTYPES.${name}: cannot read "${text}"`);
      continue;
    }
    const sig = (p) => p && `${p.ret}(${p.params.join(',')})`;
    check(arch, sources, `prototype ${name}`, sig(ours), (src) => sig(src.proto(name)));
    if (arch === 'amd64') protoCount++;
  }
}

// The FreeBSD headers native/jailtest/include stands in with for freebsd-check
// (and the jail test double includes): every #define and prototype.
const headerDir = path.resolve(opt('--headers', path.join(root, 'native/jailtest/include/sys')));
let headerCount = 0;
let headerProtos = 0;
for (const file of readdirSync(headerDir).filter((f) => f.endsWith('.h')).sort()) {
  const text = stripComments(readFileSync(path.join(headerDir, file), 'utf8'));
  const defines = [...text.matchAll(/^#define\s+([A-Z][A-Z0-9_]*)\s+(0x[0-9a-fA-F]+|\d+)\s*$/gm)].map((m) => [m[1], Number(m[2])]);
  const protos = [...text.matchAll(/^[a-z][\w\s*]*\b\w+\([^)]*\);/gm)].map((m) => parseCProto(m[0]));
  for (const arch of Object.keys(ARCHES)) {
    const sources = [rustModel(arch), goModel(arch)];
    for (const [name, v] of defines) check(arch, sources, `sys/${file}: ${name}`, v, (src) => src.constant(name), 'the header');
    for (const p of protos) {
      const sig = (q) => q && `${q.ret}(${q.params.join(',')})`;
      check(arch, sources, `sys/${file}: prototype ${p.name}`, sig(p), (src) => sig(src.proto(p.name)), 'the header');
    }
  }
  headerCount += defines.length;
  headerProtos += protos.length;
}
console.log(`abi-check: ${headerCount} constants and ${headerProtos} prototypes of native/jailtest/include/sys checked on each architecture`);

for (const arch of Object.keys(perArch)) console.log(`abi-check ${arch}: ${perArch[arch].asserts} assertions matched`);
console.log(`abi-check: ${protoCount} prototypes checked on each architecture`);
if (unverifiedSeen.size) {
  console.log('abi-check: in no source (see UNVERIFIED in abi.ts):');
  for (const u of unverifiedSeen) console.log(`  ${u}`);
}
if (failures.length) {
  for (const f of failures) console.error(`abi-check: FAIL ${f}`);
  process.exit(1);
}
console.log('abi-check: OK');
