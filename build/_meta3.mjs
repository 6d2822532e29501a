import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
const cmds = process.argv.slice(2);
writeFileSync('src/_light.ts', `
const C = { ${cmds.map(c=>`'${c}': () => import('./cli/commands/${c}.js')`).join(',')} };
import { createContext } from './runtime/context.js';
import { parseArgs } from './cli/args.js';
import { createLogger } from './core/log.js';
(globalThis as any).x = [C, createContext, parseArgs, createLogger];
`);
const r = await build({ bundle: true, format: 'cjs', platform: 'node', target: 'node20', minify: true, keepNames: true, entryPoints: ['src/_light.ts'], outfile: '/tmp/light.cjs', external: ['koffi', './validators.cjs'], metafile: true, logLevel: 'error',
 plugins:[{name:'v',setup(b){b.onResolve({filter:/generated\/validators\.js$/},()=>({path:'v',external:true})); b.onResolve({filter:/platform\/freebsd\/(sandbox|abi)\.js$/},()=>({path:'fb',external:true}))}}]});
const out = Object.values(r.metafile.outputs)[0];
console.log('total', out.bytes);
const rows = Object.entries(out.inputs).map(([k,v])=>[v.bytesInOutput,k]).sort((a,b)=>b[0]-a[0]);
console.log(rows.slice(0,30).map(r=>r.join(' ')).join('\n'));
