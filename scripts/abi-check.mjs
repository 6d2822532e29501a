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
// Usage: node scripts/abi-check.mjs [--abi FILE.ts] [--headers DIR] [--double FILE.c] [--rust DIR] [--go DIR] [--verbose]
//        node scripts/abi-check.mjs --dump amd64|arm64 STRUCT...
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { goModel, parseCProto } from './abi/go.mjs';
import { ARCHES, rustModel, stripComments } from './abi/rust.mjs';

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

// ---- the checks ----

// --dump ARCH STRUCT...: the computed C layout of crate structs (for reading, not checking).
if (args.includes('--dump')) {
  const at = args.indexOf('--dump');
  const m = rustModel(args[at + 1], rustDir);
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
  const sources = [rustModel(arch, rustDir), goModel(arch, goDir)];
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
    ['MNT_BYFSID', abi.MNT_BYFSID],
    ['MNT_WAIT', abi.MNT_WAIT],
    ['MNT_NOWAIT', abi.MNT_NOWAIT],
    ...named('O_', abi.O),
    ...named('AT_', abi.AT),
    ...named('S_IF', abi.S_IF),
    ['MAXSYMLINKS', abi.MAXSYMLINKS],
    ...Object.entries(abi.SYSCTL),
    ...Object.entries(abi.RLIMITS),
    ...Object.entries(abi.SIGNALS),
    ...Object.entries(abi.LIMITS),
    ['DEVFS_RULESET_MAX', abi.DEVFS_RULESET_MAX],
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
    // A variadic libc wrapper (openat's mode) matches a system call whose
    // fixed arguments are the same: the kernel's prototype names the rest.
    const fixed = ours.params.at(-1) === '...' ? ours.params.length - 1 : -1;
    const asOurs = (p) => (p && fixed >= 0 && !p.params.includes('...') && p.params.length > fixed ? { ...p, params: [...p.params.slice(0, fixed), '...'] } : p);
    check(arch, sources, `prototype ${name}`, sig(ours), (src) => sig(asOurs(src.proto(name))));
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
    const sources = [rustModel(arch, rustDir), goModel(arch, goDir)];
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

// The syscall double's own FreeBSD numbers (native/jailtest/jailtest.h; every
// source file of the double takes them from there, so none may define its own):
// F_<name> is a constant, F_SIZEOF_<struct> a struct's size and
// F_OFF_<struct>_<field> a field's offset, for a struct abi.ts names.
const doubleFile = path.resolve(opt('--double', path.join(root, 'native/jailtest/jailtest.h')));
const doubleDefs = [...stripComments(readFileSync(doubleFile, 'utf8')).matchAll(/^#define\s+F_(\w+)\s+\(?(-?)(0x[0-9a-fA-F]+|\d+)\)?\s*$/gm)].map((m) => [
  m[1],
  (m[2] ? -1 : 1) * Number(m[3]),
]);
const doubleDir = path.join(root, 'native/jailtest');
for (const file of readdirSync(doubleDir).filter((f) => f.endsWith('.c'))) {
  if (/^#define\s+F_\w+/m.test(stripComments(readFileSync(path.join(doubleDir, file), 'utf8')))) failures.push(`native/jailtest/${file} defines an F_ number: move it to jailtest.h, which this check reads`);
}
const structOf = (rest) => Object.keys(abi.STRUCTS).filter((n) => rest.startsWith(`${n}_`)).sort((a, b) => b.length - a.length)[0];
for (const arch of Object.keys(ARCHES)) {
  const sources = [rustModel(arch, rustDir), goModel(arch, goDir)];
  const mine = path.basename(doubleFile);
  for (const [name, v] of doubleDefs) {
    const off = /^OFF_(\w+)$/.exec(name);
    const sz = /^SIZEOF_(\w+)$/.exec(name);
    const sname = off && structOf(off[1]);
    if (sz) check(arch, sources, `${mine}: sizeof(struct ${sz[1]})`, v, (src) => src.struct(sz[1])?.size, mine);
    else if (off && sname) {
      const field = off[1].slice(sname.length + 1);
      check(arch, sources, `${mine}: ${sname}.${field} offset`, v, (src) => src.struct(sname)?.fields[field]?.offset, mine);
    } else if (off) failures.push(`${mine}: F_${name} names no struct of abi.ts`);
    else check(arch, sources, `${mine}: ${name}`, v, (src) => src.constant(name), mine);
  }
}
console.log(`abi-check: ${doubleDefs.length} numbers of ${path.basename(doubleFile)} checked on each architecture`);

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
