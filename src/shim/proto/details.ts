/**
 * What Pids attaches to an exec'd process: containerd's runc shim sends
 * ProcessDetails{exec_id=1} (package containerd.runc.v1) in ProcessInfo.info,
 * and `ctr task ps` prints it; the Any's type URL is the bare proto name.
 */
import { f, message } from './message.js';

export const ProcessDetails = message('containerd.runc.v1.ProcessDetails', { execId: f.string(1) });
