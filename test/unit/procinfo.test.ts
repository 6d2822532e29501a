/**
 * Linux's process lookup (src/platform/linux/procinfo.ts): /proc/<pid>/stat's
 * state and start time, whatever the process's name (comm) holds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linuxProcessInfo } from '../../src/platform/linux/procinfo.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-procinfo-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Field 22 (starttime) of a stat line, counted from the last ')' as the kernel's format allows. */
const startTimeOf = (stat: Buffer) => stat.subarray(stat.lastIndexOf(0x29) + 2).toString('latin1').split(' ')[19];

describe.skipIf(process.platform !== 'linux')('linuxProcessInfo', () => {
  it('a live process: its start time and not a zombie, with ") (", spaces and bytes that are not UTF-8 in its name', async () => {
    // comm is the executable's name (its first 15 bytes): a copy of sleep so named, made and run
    // by a shell (a name that is not UTF-8 cannot be a JS string), which execs it in its place.
    const script = 'f=$(printf "%s/a) (b \\377\\303) z" "$1"); cp /bin/sleep "$f" && exec "$f" 30';
    const child = spawn('/bin/sh', ['-c', script, 'sh', dir], { stdio: 'ignore' });
    children.push(child);
    const pid = child.pid as number;
    // Once the shell has exec'd the copy: its name in /proc.
    for (let i = 0; i < 200 && !fs.readFileSync(`/proc/${pid}/stat`).includes(Buffer.from([0xff])); i++) await new Promise((r) => setTimeout(r, 10));
    const stat = fs.readFileSync(`/proc/${pid}/stat`);
    expect(stat.includes(Buffer.from([0xff]))).toBe(true); // the name really has the byte
    expect(linuxProcessInfo(pid)).toEqual({ startTime: startTimeOf(stat), zombie: false });
  });

  it('a pid that is gone: undefined', () => {
    const max = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    let pid = max - 1;
    while (fs.existsSync(`/proc/${pid}`)) pid--;
    expect(linuxProcessInfo(pid)).toBeUndefined();
  });
});
