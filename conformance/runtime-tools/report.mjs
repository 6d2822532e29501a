// Scores the runtime-tools validation results run.sh collected and prints the
// table: node report.mjs RESULTS_DIR. Writes RESULTS_DIR/table.txt,
// RESULTS_DIR/results.tsv and RESULTS_DIR/runj-failures.txt.
//
// A test binary's stdout is TAP (one or more "TAP version 13" streams).
// Scoring:
//   - timed out, or exited non-zero                      -> fail
//   - any "not ok" (outside a TODO directive)            -> fail
//   - a stream whose plan disagrees with its test points -> fail
//   - no test point at all: the hook and *_fail tests print "1..0" (or
//     nothing, for the *_fail tests that run without TAP) on success, and
//     a YAML block with an "error" key on failure        -> fail if such a
//     block is there (or no plan and not a *_fail test), else pass
//   - every test point skipped                           -> skip
//   - otherwise                                          -> pass
import * as fs from 'node:fs';
import * as path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node report.mjs RESULTS_DIR');
  process.exit(2);
}

const GROUPS = [
  ['lifecycle', 'generic lifecycle'],
  ['inside', 'generic, checked inside the container'],
  ['linux', 'Linux-specific'],
];

const meta = { suite: '', timeout: '', runtimes: [], tests: [] };
for (const line of fs.readFileSync(path.join(dir, 'meta.tsv'), 'utf8').split('\n')) {
  const f = line.split('\t');
  if (f[0] === 'suite') meta.suite = f[1];
  else if (f[0] === 'timeout') meta.timeout = f[1];
  else if (f[0] === 'runtime') meta.runtimes.push({ label: f[1], path: f[2], policy: f[3] || '', version: f[4] || '' });
  else if (f[0] === 'test') meta.tests.push({ name: f[1], group: f[2], knownWrong: f[3] || '' });
}

function read(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** First non-empty line of a text, trimmed and cut to a readable length. */
function firstLine(text, max = 240) {
  let l = (text || '').split('\n').map((s) => s.trim()).find((s) => s !== '' && s !== '---' && s !== '...');
  if (!l) return '';
  // runc's logrus lines: keep the message.
  const m = /^time="[^"]*" level=\w+ msg="((?:[^"\\]|\\.)*)"/.exec(l);
  if (m) {
    try {
      l = JSON.parse(`"${m[1]}"`);
    } catch {
      l = m[1];
    }
  }
  return l.length > max ? `${l.slice(0, max - 1)}…` : l;
}

// Warnings that precede a runtime's real error (runj's "ignoring X as the host
// policy allows", logrus warning lines).
const WARNING = /(: ignoring [\w.]+ as the host policy|level=warn(ing)?\b|^warning:)/i;

/** The first line of a runtime's stderr that is not a warning. */
function errorLine(text) {
  const lines = (text || '').split('\n').filter((l) => l.trim() && !WARNING.test(l));
  return firstLine(lines.join('\n')) || firstLine(text);
}

/** Parses a YAML block's top-level "key: value" pairs (values may be block scalars). */
function yamlFields(lines) {
  const out = {};
  let key = null;
  for (const l of lines) {
    const m = /^([A-Za-z_][\w-]*):\s?(.*)$/.exec(l);
    if (m) {
      key = m[1];
      let v = m[2];
      if (/^[|>][-+]?$/.test(v)) v = '';
      else if (/^".*"$/.test(v)) {
        try {
          v = JSON.parse(v);
        } catch {}
      } else if (/^'.*'$/.test(v)) v = v.slice(1, -1).replace(/''/g, "'");
      out[key] = v;
    } else if (key && /^\s/.test(l)) {
      out[key] += (out[key] ? '\n' : '') + l.trim();
    }
  }
  return out;
}

/** Splits a TAP text into streams of {plan, points:[{ok, skip, todo, desc, yaml}], yamls}. */
function parseTap(text) {
  const streams = [];
  let cur = null;
  let yaml = null;
  const begin = () => {
    cur = { plan: null, points: [], orphanYaml: [] };
    streams.push(cur);
  };
  for (const raw of text.split('\n')) {
    if (yaml) {
      if (/^\s*\.\.\.\s*$/.test(raw)) {
        const fields = yamlFields(yaml.lines.map((l) => l.replace(/^ {2}/, '')));
        if (yaml.point) yaml.point.yaml.push(fields);
        else cur.orphanYaml.push(fields);
        yaml = null;
      } else yaml.lines.push(raw);
      continue;
    }
    if (/^TAP version \d+/.test(raw)) {
      begin();
      continue;
    }
    if (!cur) begin();
    let m;
    if ((m = /^1\.\.(\d+)/.exec(raw))) {
      cur.plan = Number(m[1]);
    } else if ((m = /^(not )?ok\b\s*(\d+)?\s*(?:-\s*)?(.*)$/.exec(raw))) {
      const rest = m[3];
      const dm = /(?:^|[^\\])#\s*(SKIP|TODO)\b(.*)$/i.exec(rest);
      const directive = dm ? dm[1].toUpperCase() : '';
      cur.points.push({
        ok: !m[1],
        skip: directive === 'SKIP',
        todo: directive === 'TODO',
        desc: (dm ? rest.slice(0, dm.index + (dm[0].startsWith('#') ? 0 : 1)) : rest).replace(/\\#/g, '#').trim(),
        yaml: [],
      });
    } else if (/^\s+---\s*$/.test(raw)) {
      const pts = cur.points;
      yaml = { lines: [], point: pts.length ? pts[pts.length - 1] : null };
    }
  }
  return streams.filter((s) => s.plan !== null || s.points.length || s.orphanYaml.length);
}

function describeYaml(fields) {
  const parts = [];
  for (const k of ['error', 'stderr']) if (fields?.[k]) parts.push(`${k}: ${k === 'stderr' ? errorLine(fields[k]) : firstLine(fields[k])}`);
  if (!parts.length && fields?.stdout) {
    // An inside test's runtimetest output: its first "not ok" line says what broke.
    const bad = fields.stdout.split('\n').find((l) => /^not ok\b/.test(l) && !/#\s*TODO/i.test(l));
    if (bad) parts.push(`runtimetest: ${bad.trim()}`);
  }
  return parts.join('; ');
}

/**
 * What the runtime itself said: the first failed call the wrapper logged
 * (with its stderr), leaving out the fallout of a test's own cleanup
 * (failed 'state' calls, which tests use to see whether a container is
 * gone, and 'kill' of a container that is not running) and calls without an
 * id (tests of that error); else the stderr a
 * failed test left in its bundle.
 */
function runtimeSaid(base) {
  const calls = read(`${base}.calls`).split('\n');
  for (let i = 0; i < calls.length; i++) {
    if (!calls[i].startsWith('! exit ')) continue;
    const lines = [];
    for (let j = i + 1; j < calls.length && calls[j].startsWith('! '); j++) lines.push(calls[j].slice(2));
    const args = calls[i].slice(2).replace(/^exit \d+: /, '').split(' ');
    const verb = args[0];
    const said = errorLine(lines.join('\n'));
    if (verb === 'state' || args.length < 2) continue; // no id: a test of the error itself
    if (verb === 'kill' && /not running|stopped|does not exist|no such/i.test(said)) continue;
    return `'${verb}': ${said || calls[i].slice(2)}`;
  }
  const bundle = read(`${base}.runtime-stderr`)
    .split('\n')
    .filter((l) => !l.startsWith('== '))
    .join('\n');
  return errorLine(bundle);
}

function score(test, label) {
  const r = scoreRaw(test, label);
  // Only where the test itself gives no detail: a bare "exit status N", or
  // the hook tests' own error text.
  if (r.result === 'fail' && (r.bare || /exit status \d+/.test(r.reason)) && !/stderr: \S/.test(r.reason)) {
    const said = runtimeSaid(path.join(dir, label, test.name));
    const msg = said.replace(/^'[^']*': /, '');
    if (said && !r.reason.includes(msg)) r.reason += ` [runtime: ${said}]`;
  }
  return r;
}

function scoreRaw(test, label) {
  const base = path.join(dir, label, test.name);
  const tap = read(`${base}.tap`);
  const err = read(`${base}.err`);
  const rcText = read(`${base}.rc`).trim();
  const rc = rcText === '' ? null : Number(rcText);
  const secs = read(`${base}.secs`).trim();
  if (rc === null) return { result: 'missing', reason: 'not run', secs };
  // The test's first stderr line, and the runtime's when the test only says
  // which step failed ("failed to create the container" + runtime stderr).
  const errLine = () => {
    const lines = err.split('\n').map((l) => l.trim()).filter((l) => l && !/^Clean: /.test(l) && !WARNING.test(l));
    if (!lines.length) return firstLine(err);
    if (/^failed to \w+ the container$/.test(lines[0]) && lines[1]) return `${lines[0]}: ${firstLine(lines[1])}`;
    return firstLine(lines[0]);
  };
  if (rc === 124 || rc === 137) return { result: 'fail', reason: `timed out after ${meta.timeout}s`, secs };
  const streams = parseTap(tap);
  const points = streams.flatMap((s) => s.points);
  const bad = points.find((p) => !p.ok && !p.todo);
  if (bad) {
    const why = describeYaml(bad.yaml[0]) || (errLine() ? `stderr: ${errLine()}` : '');
    return { result: 'fail', reason: `not ok: ${bad.desc}${why ? ` (${why})` : ''}`, secs };
  }
  if (rc !== 0) return { result: 'fail', reason: `exit ${rc}: ${errLine() || 'no stderr'}`, secs };
  for (const s of streams) {
    if (s.plan === null) return { result: 'fail', reason: `TAP stream without a plan${errLine() ? `: ${errLine()}` : ''}`, secs };
    if (s.plan !== s.points.length) return { result: 'fail', reason: `plan 1..${s.plan} but ${s.points.length} test points`, secs };
  }
  if (points.length === 0) {
    const yamlErr = streams.flatMap((s) => s.orphanYaml).find((y) => y.error !== undefined);
    if (yamlErr) return { result: 'fail', reason: describeYaml(yamlErr) || 'error reported', secs, bare: !yamlErr.stderr };
    if (streams.length === 0 && !test.name.endsWith('_fail')) return { result: 'fail', reason: `no TAP output${errLine() ? `: ${errLine()}` : ''}`, secs };
    return { result: 'pass', reason: '', secs };
  }
  if (points.every((p) => p.skip)) return { result: 'skip', reason: firstLine(points[0].desc), secs };
  return { result: 'pass', reason: '', secs };
}

const labels = meta.runtimes.map((r) => r.label);
const results = {};
for (const t of meta.tests) {
  results[t.name] = {};
  for (const l of labels) results[t.name][l] = score(t, l);
}

// The runtime the closing line counts: runj's as-is column when present,
// else the first column.
const main = meta.runtimes.find((r) => r.policy === 'empty') ?? meta.runtimes[0];

const out = [];
const nameW = Math.max(4, ...meta.tests.map((t) => t.name.length));
const colW = Math.max(...labels.map((l) => l.length), 4);
const pad = (s, w) => s + ' '.repeat(Math.max(0, w - s.length));
const row = (name, cells, note = '') => `${pad(name, nameW)}  ${cells.map((c) => pad(c, colW)).join('  ')}${note ? `  ${note}` : ''}`.trimEnd();
out.push(`OCI runtime-tools validation suite ${meta.suite} (Debian source), ${meta.timeout}s per test`);
for (const r of meta.runtimes) {
  const pol = r.policy === 'empty' ? ' (host policy: {})' : r.policy === 'ignore' ? ' (host policy: every refused field ignored)' : '';
  out.push(`  ${pad(r.label, colW)}  ${r.path}${pol}${r.version ? `: ${r.version}` : ''}`);
}
out.push('');
const totals = {};
for (const [g, title] of GROUPS) {
  const tests = meta.tests.filter((t) => t.group === g);
  if (!tests.length) continue;
  out.push(`-- ${title} --`);
  out.push(row('test', labels));
  for (const t of tests) {
    out.push(row(t.name, labels.map((l) => results[t.name][l].result), t.knownWrong ? 'known-wrong' : ''));
  }
  const cells = labels.map((l) => {
    let p = 0;
    let f = 0;
    let s = 0;
    for (const t of tests) {
      if (t.knownWrong) continue;
      const r = results[t.name][l].result;
      if (r === 'pass') p++;
      else if (r === 'skip') s++;
      else f++;
    }
    totals[l] ??= { p: 0, f: 0, s: 0, kw: 0 };
    totals[l].p += p;
    totals[l].f += f;
    totals[l].s += s;
    return `${p}/${f}/${s}`;
  });
  out.push(row('  pass/fail/skip', cells, `(${tests.filter((t) => t.knownWrong).length} known-wrong not counted)`));
  out.push('');
}
out.push(row('all: pass/fail/skip', labels.map((l) => `${totals[l].p}/${totals[l].f}/${totals[l].s}`), '(known-wrong not counted)'));
const kw = meta.tests.filter((t) => t.knownWrong);
if (kw.length) {
  out.push('');
  out.push('known-wrong (raw result shown above, not counted):');
  for (const t of kw) out.push(`  ${t.name}: ${t.knownWrong}`);
}
out.push('');
const closing = (l) => `${l}: ${totals[l].p} passed, ${totals[l].f} failed, ${totals[l].s} skipped`;
for (const l of labels) if (l !== main.label) out.push(closing(l));
out.push(closing(main.label));
// runj columns with a "+ignore" twin: tests that fail as-is and pass when the
// refused fields are ignored fail only because of those refusals.
for (const r of meta.runtimes.filter((x) => x.policy === 'empty')) {
  const twin = meta.runtimes.find((x) => x.policy === 'ignore' && x.path === r.path && x.label === `${r.label}+ignore`);
  if (!twin) continue;
  const only = meta.tests.filter((t) => !t.knownWrong && results[t.name][r.label].result === 'fail' && results[t.name][twin.label].result === 'pass');
  out.splice(out.length - labels.length, 0, `${r.label}: ${only.length} of its ${totals[r.label].f} counted failures pass in ${twin.label}, i.e. fail only because of refused config fields`, '');
}
const text = `${out.join('\n')}\n`;
fs.writeFileSync(path.join(dir, 'table.txt'), text);

const tsv = [['test', 'group', 'known_wrong', 'runtime', 'result', 'seconds', 'reason'].join('\t')];
for (const t of meta.tests) {
  for (const l of labels) {
    const r = results[t.name][l];
    tsv.push([t.name, t.group, t.knownWrong ? 'yes' : '', l, r.result, r.secs, r.reason.replace(/[\t\n]/g, ' ')].join('\t'));
  }
}
fs.writeFileSync(path.join(dir, 'results.tsv'), `${tsv.join('\n')}\n`);

// Why each runj test failed: every runj column, one line per failing test.
const runjCols = meta.runtimes.filter((r) => r.policy !== '');
const fl = [];
for (const r of runjCols.length ? runjCols : [main]) {
  fl.push(`# ${r.label} (${r.path}${r.policy ? `, host policy ${r.policy === 'empty' ? '{}' : 'ignoring every refused field'}` : ''})`);
  for (const t of meta.tests) {
    const s = results[t.name][r.label];
    if (s.result === 'pass' || s.result === 'skip') continue;
    fl.push(`${t.name}${t.knownWrong ? ' [known-wrong]' : ''}: ${s.reason}`);
  }
  fl.push('');
}
fs.writeFileSync(path.join(dir, 'runj-failures.txt'), `${fl.join('\n')}`);

process.stdout.write(text);
