/**
 * Sends task events to containerd over ttrpc (Events/Forward at
 * TTRPC_ADDRESS), one at a time in the order they were published: containerd
 * requires create → start → exit → delete and exec-added → exec-started → exit.
 * The connection is opened on first use and once more after it drops.
 */
import { invalid } from '../core/errors.js';
import { EVENTS_SERVICE, ForwardRequest, TOPICS } from './proto/events.js';
import type { Init, MessageOf, MessageType } from './proto/message.js';
import { Empty, packAny, timestamp } from './proto/wkt.js';
import { TtrpcClient } from './ttrpc/client.js';
import { Code, StatusError } from './ttrpc/status.js';

export interface PublisherOptions {
  /** containerd's TTRPC_ADDRESS. */
  address: string;
  namespace: string;
  timeoutMs?: number;
  /** Clock for the envelope's timestamp (ms since the epoch). */
  now?: () => number;
}

export class EventPublisher {
  private client: Promise<TtrpcClient> | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: PublisherOptions) {}

  /** Queues an event; the promise settles when containerd has it (or refused it). */
  publish<T>(type: MessageType<T>, event: Init<T>): Promise<void> {
    const topic = TOPICS[type.name];
    if (!topic) return Promise.reject(invalid(`${type.name} is not a task event`));
    const request = {
      envelope: {
        timestamp: timestamp((this.options.now ?? Date.now)()),
        namespace: this.options.namespace,
        topic,
        event: packAny(type, event),
      },
    };
    const sent = this.queue.then(() => this.forward(request, true));
    this.queue = sent.catch(() => {});
    return sent;
  }

  close(): void {
    const client = this.client;
    this.client = undefined;
    void client?.then((c) => c.close()).catch(() => {});
  }

  private async forward(request: Init<MessageOf<typeof ForwardRequest>>, retry: boolean): Promise<void> {
    this.client ??= TtrpcClient.connect(this.options.address);
    const client = this.client;
    try {
      const c = await client;
      await c.call(EVENTS_SERVICE, 'Forward', ForwardRequest, request, Empty, {
        namespace: this.options.namespace,
        timeoutMs: this.options.timeoutMs ?? 5000,
      });
    } catch (err) {
      const dropped = !(err instanceof StatusError) || err.code === Code.Unavailable;
      if (dropped && this.client === client) this.client = undefined;
      if (dropped && retry) return this.forward(request, false);
      throw err;
    }
  }
}
