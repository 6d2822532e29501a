// Go's golang.org/x/sys/unix FreeBSD files for one architecture, as
// scripts/abi-check.mjs reads them: constants (zerrors_freebsd_*.go), the
// cgo-generated structs with their layout (ztypes_freebsd_*.go) and the
// kernel's syscall prototypes (the comments of zsysnum_freebsd_*.go); and a
// reader for C prototypes, which compares integer arguments by size.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ARCHES } from './rust.mjs';

// ---- Go: ztypes, zerrors, zsysnum ----

function cClass(type) {
  const t = type.replace(/\b(const|struct|volatile)\b/g, '').replace(/\s+/g, ' ').trim();
  if (t.includes('*')) return 'ptr';
  // Integer arguments compare by size: that is what the calling convention sees.
  const map = {
    mode_t: 'int16', uint16_t: 'int16', u_short: 'int16', 'unsigned short': 'int16',
    int: 'int32', pid_t: 'int32', 'unsigned int': 'int32', u_int: 'int32', uint32_t: 'int32', int32_t: 'int32', idtype_t: 'int32',
    size_t: 'int64', u_long: 'int64', 'unsigned long': 'int64', long: 'int64', ssize_t: 'int64', off_t: 'int64', id_t: 'int64',
    int64_t: 'int64', uint64_t: 'int64', void: 'void',
  };
  return map[t] ?? t;
}

/** "int f(struct iovec *iovp, u_int n)" → { ret, name, params } with classified types. */
export function parseCProto(text) {
  const m = /^\s*([\w\s*]+?)\s*\b(\w+)\s*\(([^)]*)\)/.exec(text);
  if (!m) return undefined;
  const params = m[3].trim() === 'void' || !m[3].trim() ? [] : m[3].split(',').map((p) => cClass(p.trim().replace(/\b\w+\s*$/, (w) => (/^(int|long|char|void|size_t)$/.test(w) ? w : ''))));
  return { ret: cClass(m[1]), name: m[2], params };
}

export function goModel(arch, goDir) {
  const g = ARCHES[arch].go;
  const read = (f) => readFileSync(path.join(goDir, f), 'utf8');
  const errs = read(`zerrors_freebsd_${g}.go`);
  const typesText = read(`ztypes_freebsd_${g}.go`);
  const sysnum = read(`zsysnum_freebsd_${g}.go`);
  const consts = new Map();
  for (const src of [errs, typesText]) {
    for (const m of src.matchAll(/^\s*(\w+)\s*=\s*(?:syscall\.\w+\()?(-?(?:0x[0-9a-fA-F]+|\d+))\)?\s*$/gm)) consts.set(m[1], m[2].startsWith('-') ? -Number(m[2].slice(1)) : Number(m[2])); // Number('-0x64') is NaN
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
  // Go names: iovec → Iovec, kinfo_proc → KinfoProc, stat → Stat_t; fields lose their "iov_" prefix and gain a capital.
  const goStruct = (c) => c.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  const goField = (c) => {
    const bare = c.replace(/^[a-z]+_/, '');
    return bare[0].toUpperCase() + bare.slice(1).replace(/_(\w)/g, (_, x) => x.toUpperCase());
  };
  return {
    name: 'Go x/sys/unix',
    constant: (n) => consts.get(n),
    struct: (n) => {
      // struct stat and struct statfs are Stat_t and Statfs_t.
      const gs = [goStruct(n), `${goStruct(n)}_t`].find((x) => structs.has(x));
      if (!gs) return undefined;
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

