/**
 * Sends task events to containerd over ttrpc (Events/Forward at
 * TTRPC_ADDRESS), one at a time in the order they were published: containerd
 * requires create → start → exit → delete and exec-added → exec-started → exit.
 * The connection is opened on first use and once more after it drops. When
 * containerd's ttrpc endpoint cannot be reached at all, the event goes
 * through the publish binary instead, as containerd's earlier shims did:
 * `<binary> --address <containerd's grpc address> publish --topic T
 * --namespace NS`, the event Any (protobuf) on stdin, in the same queue so
 * the order holds across both paths.
 */
import { spawn } from 'node:child_process';
import { invalid } from '../core/errors.js';
import { EVENTS_SERVICE, ForwardRequest, TOPICS } from './proto/events.js';
import type { Init, MessageOf, MessageType } from './proto/message.js';
import { Any, Empty, packAny, timestamp } from './proto/wkt.js';
import { TtrpcClient } from './ttrpc/client.js';
import { Code, StatusError } from './ttrpc/status.js';

export interface PublisherOptions {
  /** containerd's TTRPC_ADDRESS. */
  address: string;
  namespace: string;
  timeoutMs?: number;
  /** Clock for the envelope's timestamp (ms since the epoch). */
  now?: () => number;
  /** containerd's -publish-binary and its -address (grpc), for when ttrpc is unreachable. */
  publishBinary?: string;
  grpcAddress?: string;
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
    const sent = this.queue.then(() =>
      this.forward(request, true).catch((err: unknown) => {
        if (!this.options.publishBinary || !unreachable(err)) throw err;
        return this.viaBinary(topic, request.envelope.event);
      }),
    );
    this.queue = sent.catch(() => {});
    return sent;
  }

  close(): void {
    const client = this.client;
    this.client = undefined;
    void client?.then((c) => c.close()).catch(() => {});
  }

  private viaBinary(topic: string, event: Any): Promise<void> {
    const binary = this.options.publishBinary as string;
    const argv = ['--address', this.options.grpcAddress ?? '', 'publish', '--topic', topic, '--namespace', this.options.namespace];
    return new Promise((resolve, reject) => {
      const child = spawn(binary, argv, { stdio: ['pipe', 'ignore', 'pipe'], timeout: this.options.timeoutMs ?? 5000 });
      let said = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        if (said.length < 4096) said += d;
      });
      child.stdin.on('error', () => {}); // a binary that exits without reading: its status says why
      child.once('error', (e) => reject(new Error(`publishing through ${binary}: ${e.message}`)));
      child.once('close', (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`publishing through ${binary}: ${signal ?? `exit status ${code}`}${said.trim() ? `: ${said.trim()}` : ''}`));
      });
      child.stdin.end(Any.encode(event));
    });
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

/** Whether containerd's ttrpc endpoint was not there to answer (as opposed to answering with an error). */
function unreachable(err: unknown): boolean {
  return !(err instanceof StatusError) || err.code === Code.Unavailable;
}
