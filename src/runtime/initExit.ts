/**
 * What to say when the container's init dies before it is ready (the
 * helper's channel ends without an error message): the backend's reason
 * when it has one, such as the Linux memory cgroup's OOM kill.
 */
import type { ContainerRecord } from './store.js';

export async function initExitReason(record: Pick<ContainerRecord, 'platform' | 'sandbox'>): Promise<string> {
  if (record.platform === 'linux') {
    const { oomKilled } = await import('../platform/linux/cgroupOom.js');
    const why = oomKilled(record.sandbox?.cgroup as Parameters<typeof oomKilled>[0]);
    if (why) return why;
  }
  return 'container init exited unexpectedly';
}
