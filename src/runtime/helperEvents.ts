/**
 * The helper's messages in arrival order, for one reader: next() gives the
 * oldest, or waits for one; after `eof` nothing more is taken and every
 * next() answers `eof`. Used by the real channel (helper.ts) and by the
 * unit tests' scripted helper.
 */
import type { HelperMessage } from '../backend/protocol.js';

export type HelperEvent = HelperMessage | { type: 'eof' };

export class HelperEvents {
  private readonly queue: HelperEvent[] = [];
  private waiter: ((e: HelperEvent) => void) | undefined;
  private ended = false;

  push(e: HelperEvent): void {
    if (this.ended) return;
    if (e.type === 'eof') this.ended = true;
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w(e);
    else this.queue.push(e);
  }

  /** Whether next() would answer at once: a message is queued, or the channel has ended. */
  ready(): boolean {
    return this.queue.length > 0 || this.ended;
  }

  next(): Promise<HelperEvent> {
    const e = this.queue.shift();
    if (e) return Promise.resolve(e);
    if (this.ended) return Promise.resolve({ type: 'eof' });
    return new Promise((r) => {
      this.waiter = r;
    });
  }
}
