/**
 * build/verdictOnly.mjs on code shaped like ajv's standalone output: error
 * objects emptied, $ref call contexts dropped, everything else as it was,
 * and an unknown shape refused. Its effect on the real validators (the same
 * verdict as the full ones) is test/unit/validatorsFast.test.ts.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a build script (plain .mjs, no types)
import { verdictOnly } from '../../build/verdictOnly.mjs';

const run = (code: string) => verdictOnly(code) as { code: string; counts: { errors: number; contexts: number } };

describe('verdictOnly', () => {
  it('empties error objects, whatever their params hold (nested objects, quotes, braces in strings)', () => {
    const code = [
      'validate1.errors = [{instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"}}];return false;',
      'const err0 = {instancePath:instancePath+"/a",schemaPath:"#/pattern",keyword:"pattern",params:{pattern: "^{\\"x}$"}};',
      "const err1 = {instancePath:instancePath+\"/\" + key0.replace(/~/g, \"~0\").replace(/\\//g, \"~1\"),schemaPath:'#/enum',keyword:\"enum\",params:{allowedValues: schema3.enum}};",
    ].join('\n');
    const { code: out, counts } = run(code);
    expect(out).toBe(['validate1.errors = [{}];return false;', 'const err0 = {};', 'const err1 = {};'].join('\n'));
    expect(counts).toEqual({ errors: 3, contexts: 0 });
  });

  it('drops the context of a call, comma and all, and keeps the call', () => {
    const code = 'if (!(validate12(data.process, {instancePath:instancePath+"/process",parentData:data,parentDataProperty:"process",rootData}))) {';
    expect(run(code)).toEqual({ code: 'if (!(validate12(data.process))) {', counts: { errors: 0, contexts: 1 } });
  });

  it('keeps a validator\'s parameter defaults and any other object', () => {
    const code = 'function validate10(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){let o = {a: "{instancePath"};}';
    expect(run(code)).toEqual({ code, counts: { errors: 0, contexts: 0 } });
  });

  it('refuses a shape it does not know rather than leave an error or context behind', () => {
    // An error object not opened by `{instancePath`: its schemaPath would stay.
    expect(() => run('errs.push({schemaPath:"#/x",instancePath,keyword:"type"});')).toThrow(/"schemaPath:" is left/);
    // A context not passed as an argument (no comma before it).
    expect(() => run('const c = {instancePath:"",parentData:data};')).toThrow(/"parentData:" is left/);
    expect(() => run(`const e = {instancePath:\`\${x}\`,schemaPath:"#"};`)).toThrow(/template literal/);
    expect(() => run('x = {instancePath,schemaPath:"#/a"')).toThrow(/no closing brace/);
  });
});
