#!/usr/bin/env node
// runj's entry point: runs dist/runj-main.cjs with V8's code cache made at
// build time (dist/runj-main.cache), which saves ~3 ms of compiling on every
// command. A cache from another Node version is rejected by V8 and the
// bundle is simply compiled as usual.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const file = path.join(__dirname, 'runj-main.cjs');
let cachedData;
try {
  cachedData = fs.readFileSync(path.join(__dirname, 'runj-main.cache'));
} catch {}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
const mod = { exports: {}, filename: file, id: file };
script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, __dirname);
