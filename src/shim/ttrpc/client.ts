/**
 * ttrpc client: unary calls on one connection, stream ids 1, 3, 5, … as the
 * protocol requires of clients. Used for the events Forward call to
 * containerd's TTRPC_ADDRESS. A call rejects with a StatusError: the server's
 * status, ResourceExhausted for a request past 4 MiB (never sent),
 * DeadlineExceeded on timeout, Unavailable when the connection goes away.
 */
import * as net from 'node:net';
import { systemError } from '../../core/errors.js';
import type { Init, MessageType } from '../proto/message.js';
import { Request, Response } from '../proto/ttrpc.js';
import { socketPath } from './address.js';
import { FrameDecoder, MAX_MESSAGE, TYPE_REQUEST, TYPE_RESPONSE, encodeFrame } from './frame.js';
import { NAMESPACE_KEY } from './service.js';
import { Code, StatusError } from './status.js';

export interface CallOptions {
  /** Sent as containerd-namespace-ttrpc metadata. */
  namespace?: string;
  metadata?: Readonly<Record<string, string>>;
  /** Sent to the server as timeout_nano and enforced here. */
  timeoutMs?: number;
}

interface Pending {
  resolve(payload: Uint8Array): void;
  reject(err: StatusError): void;
}

export class TtrpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly decoder = new FrameDecoder();
  private closedBy: StatusError | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) {
        const call = this.pending.get(frame.streamId);
        if (!call || frame.type !== TYPE_RESPONSE) continue;
        this.pending.delete(frame.streamId);
        if (frame.oversized) {
          call.reject(new StatusError(Code.ResourceExhausted, `response of ${frame.length} bytes exceeds ${MAX_MESSAGE}`));
          continue;
        }
        try {
          const res = Response.decode(frame.payload);
          if (res.status && res.status.code !== Code.OK) call.reject(new StatusError(res.status.code as Code, res.status.message));
          else call.resolve(res.payload);
        } catch (err) {
          call.reject(new StatusError(Code.Internal, `bad response: ${(err as Error).message}`));
        }
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.fail(new StatusError(Code.Unavailable, 'ttrpc: connection closed')));
  }

  static connect(address: string): Promise<TtrpcClient> {
    const path = socketPath(address);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ path });
      socket.once('error', (err) => reject(systemError(`connect to ${address}`, err)));
      socket.once('connect', () => resolve(new TtrpcClient(socket)));
    });
  }

  async call<Req, Res>(
    service: string,
    method: string,
    request: MessageType<Req>,
    value: Init<Req>,
    response: MessageType<Res>,
    options: CallOptions = {},
  ): Promise<Res> {
    if (this.closedBy) throw this.closedBy;
    const metadata = Object.entries(options.metadata ?? {}).map(([key, v]) => ({ key, value: v }));
    if (options.namespace) metadata.push({ key: NAMESPACE_KEY, value: options.namespace });
    const timeoutMs = options.timeoutMs ?? 0;
    const payload = Request.encode({
      service,
      method,
      payload: request.encode(value),
      timeoutNano: timeoutMs * 1e6,
      metadata,
    });
    if (payload.length > MAX_MESSAGE) {
      throw new StatusError(Code.ResourceExhausted, `${method} request of ${payload.length} bytes exceeds ${MAX_MESSAGE}`);
    }
    const id = this.nextId;
    this.nextId += 2;
    const bytes = await new Promise<Uint8Array>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => clearTimeout(timer);
      this.pending.set(id, {
        resolve: (p) => {
          done();
          resolve(p);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new StatusError(Code.DeadlineExceeded, `${service}/${method}: no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.socket.write(encodeFrame(id, TYPE_REQUEST, payload));
    });
    return response.decode(bytes);
  }

  close(): void {
    this.socket.destroy();
    this.fail(new StatusError(Code.Unavailable, 'ttrpc: client closed'));
  }

  private fail(err: StatusError): void {
    this.closedBy ??= err;
    for (const call of this.pending.values()) call.reject(err);
    this.pending.clear();
  }
}
