/**
 * Ajv's standalone code reduced to a verdict (build/compile-schemas.mjs, the
 * fast validators): every error object it builds becomes `{}`, and the
 * context a validator passes to the one it calls for a `$ref` (instancePath,
 * parentData, parentDataProperty, rootData: only ever used to build those
 * errors) is dropped, so each callee takes its defaults.
 *
 * What decides the verdict is untouched: ajv counts errors by the length of
 * its error arrays (`errors = vErrors.length`), and a `{}` still counts. The
 * error objects name their schema paths and copy schema values (an enum's
 * allowed values, a pattern), which is why they kept whole schema literals
 * alive: this pass takes the fast validators from 108 to 57 kB bundled.
 *
 * The code is scanned, not parsed: an error object is a `{instancePath`
 * literal that names `schemaPath:`, a call context one that names
 * `parentData:`; each ends at its matching `}` outside string literals. Anything left over that
 * either would have named (`schemaPath:`, `parentData:`) fails the build.
 */

/** Index just past the string literal that starts at `at` (a quote or backquote). */
function pastString(code, at) {
  const q = code[at];
  for (let k = at + 1; k < code.length; k++) {
    if (code[k] === '\\') k++;
    else if (q === '`' && code[k] === '$' && code[k + 1] === '{') throw new Error(`verdictOnly: a template literal with a substitution at ${k}`);
    else if (code[k] === q) return k + 1;
  }
  throw new Error(`verdictOnly: an unterminated string at ${at}`);
}

const isQuote = (c) => c === '"' || c === "'" || c === '`';

/** Index just past the `}` that closes the `{` at `at`, skipping string literals. */
function closing(code, at) {
  let depth = 0;
  for (let k = at; k < code.length; ) {
    const c = code[k];
    if (isQuote(c)) {
      k = pastString(code, k);
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return k + 1;
    k++;
  }
  throw new Error(`verdictOnly: no closing brace for the object at ${at}`);
}

// Only error objects name a schemaPath; only call contexts a parentData (and ajv's
// pointer expressions, `instancePath+"/" + key0.replace(/~/g, "~0")...`, hold commas).
const ERROR = /^\{instancePath[:,][\s\S]*\bschemaPath:/;
const CONTEXT = /^\{instancePath:[\s\S]*\bparentData:/;

/** The code with its error objects emptied and its call contexts dropped; `counts` says how many of each. */
export function verdictOnly(code) {
  let out = '';
  let from = 0;
  const counts = { errors: 0, contexts: 0 };
  for (let k = 0; k < code.length; ) {
    if (isQuote(code[k])) {
      k = pastString(code, k);
      continue;
    }
    if (!code.startsWith('{instancePath', k)) {
      k++;
      continue;
    }
    const end = closing(code, k);
    const literal = code.slice(k, end);
    out += code.slice(from, k);
    if (ERROR.test(literal)) {
      out += '{}';
      counts.errors++;
    } else if (CONTEXT.test(literal) && /,\s*$/.test(out)) {
      out = out.replace(/,\s*$/, ''); // the argument and its comma: the callee's default applies
      counts.contexts++;
    } else {
      out += literal; // a parameter's destructuring default: `{instancePath="", parentData, ...}`
    }
    from = k = end;
  }
  out += code.slice(from);
  for (const left of ['schemaPath:', 'parentData:']) {
    if (out.includes(left)) throw new Error(`verdictOnly: "${left}" is left at ${out.indexOf(left)}: a shape of ajv's output this pass does not know`);
  }
  return { code: out, counts };
}
