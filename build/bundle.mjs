// Bundles the CLI into dist/runj.mjs. Commands are split into chunks loaded on
// demand, so `state` never parses the validators or the create path.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

await build({
  entryPoints: { runj: 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  external: ['koffi'],
  minify: true,
  keepNames: true,
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
chmodSync('dist/runj.mjs', 0o755);
