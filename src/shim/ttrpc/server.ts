/**
 * ttrpc server: unary requests over a stream socket. Every request runs as
 * its own promise, so a Wait that blocks for the life of a task does not hold
 * back a State or Kill on the same connection; responses go out as each one
 * completes, on the request's stream id.
 */
import { unlinkSync } from 'node:fs';
import * as net from 'node:net';
import { systemError } from '../../core/errors.js';
import type { Init } from '../proto/message.js';
import { Request, Response, type Status } from '../proto/ttrpc.js';
import { socketPath } from './address.js';
import { FLAG_REMOTE_OPEN, FrameDecoder, MAX_MESSAGE, TYPE_REQUEST, TYPE_RESPONSE, encodeFrame } from './frame.js';
import { type AnyMethod, type CallContext, NAMESPACE_KEY, type Service } from './service.js';
import { Code, toStatus } from './status.js';

export class TtrpcServer {
  private readonly services = new Map<string, Service>();
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;

  /** Registers a service under its full name (e.g. "containerd.task.v3.Task"). */
  register(name: string, service: Service): this {
    if (this.services.has(name)) throw new Error(`ttrpc: service ${name} registered twice`);
    this.services.set(name, service);
    return this;
  }

  /** Listens on a UNIX socket address (path, unix://path, or an abstract name) or an inherited listening fd. */
  async listen(target: string | { fd: number }): Promise<void> {
    const server = net.createServer((socket) => this.serve(socket));
    const options = typeof target === 'string' ? { path: socketPath(target) } : { fd: target.fd };
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(systemError(`listen on ${typeof target === 'string' ? target : `fd ${target.fd}`}`, err)));
      server.listen(options, () => resolve());
    });
    this.server = server;
  }

  /** Stops accepting, drops every connection, removes a socket file it created. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (!server) return;
    const path = server.address();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (typeof path === 'string' && !path.startsWith('\0')) {
      try {
        unlinkSync(path);
      } catch {}
    }
  }

  /** Serves one connected socket (also used directly by tests). */
  serve(socket: net.Socket): void {
    this.sockets.add(socket);
    const decoder = new FrameDecoder();
    const inFlight = new Map<number, AbortController>();
    const reply = (streamId: number, response: Init<Response>): void => {
      inFlight.delete(streamId);
      if (socket.destroyed) return;
      let payload = Response.encode(response);
      if (payload.length > MAX_MESSAGE) {
        const message = `response of ${payload.length} bytes exceeds the maximum message size of ${MAX_MESSAGE}`;
        payload = Response.encode({ status: { code: Code.ResourceExhausted, message } });
      }
      socket.write(encodeFrame(streamId, TYPE_RESPONSE, payload));
    };
    const fail = (streamId: number, code: Code, message: string): void => reply(streamId, { status: status(code, message) });

    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.oversized) {
          fail(frame.streamId, Code.ResourceExhausted, `message length ${frame.length} exceed maximum message size of ${MAX_MESSAGE}`);
          continue;
        }
        // Other frame types (data, future ones) are ignored, as ttrpc requires for compatibility.
        if (frame.type !== TYPE_REQUEST) continue;
        let request: Request;
        try {
          request = Request.decode(frame.payload);
        } catch (err) {
          fail(frame.streamId, Code.InvalidArgument, `unmarshal request error: ${(err as Error).message}`);
          continue;
        }
        if (frame.streamId % 2 !== 1) {
          fail(frame.streamId, Code.InvalidArgument, 'StreamID must be odd for client initiated streams');
        } else if (inFlight.has(frame.streamId)) {
          fail(frame.streamId, Code.InvalidArgument, `StreamID ${frame.streamId} is already in use`);
        } else if (frame.flags & FLAG_REMOTE_OPEN) {
          fail(frame.streamId, Code.Unimplemented, `streaming ${request.service}/${request.method} is not supported`);
        } else {
          const abort = new AbortController();
          inFlight.set(frame.streamId, abort);
          void this.dispatch(request, abort).then(
            (response) => reply(frame.streamId, response),
            (err: unknown) => reply(frame.streamId, { status: toStatus(err) }),
          );
        }
      }
    });
    const closed = (): void => {
      this.sockets.delete(socket);
      for (const abort of inFlight.values()) abort.abort(new Error('ttrpc: connection closed'));
      inFlight.clear();
    };
    socket.on('close', closed);
    socket.on('error', () => socket.destroy());
  }

  private async dispatch(request: Request, abort: AbortController): Promise<Init<Response>> {
    const service = this.services.get(request.service);
    const found: AnyMethod | undefined = service && Object.hasOwn(service, request.method) ? service[request.method] : undefined;
    if (!found) {
      const message = service ? `method ${request.method}` : `service ${request.service}`;
      return { status: status(Code.Unimplemented, message) };
    }
    let req: unknown;
    try {
      req = found.request.decode(request.payload);
    } catch (err) {
      return { status: status(Code.InvalidArgument, `${request.method}: ${(err as Error).message}`) };
    }
    const metadata = new Map<string, string[]>();
    for (const { key, value } of request.metadata) metadata.set(key, [...(metadata.get(key) ?? []), value]);
    let timer: NodeJS.Timeout | undefined;
    if (request.timeoutNano > 0) {
      const ms = Math.ceil(request.timeoutNano / 1e6);
      timer = setTimeout(() => abort.abort(new DOMException('deadline exceeded', 'TimeoutError')), ms).unref();
    }
    const ctx: CallContext = {
      service: request.service,
      method: request.method,
      metadata,
      namespace: metadata.get(NAMESPACE_KEY)?.[0],
      signal: abort.signal,
    };
    let res: Init<unknown>;
    try {
      res = await found.handle(req, ctx);
    } catch (err) {
      return { status: toStatus(err) };
    } finally {
      clearTimeout(timer);
    }
    try {
      return { status: {}, payload: found.response.encode(res) };
    } catch (err) {
      // The handler's answer does not fit its message type: a bug on this side.
      return { status: status(Code.Internal, `${request.method} response: ${(err as Error).message}`) };
    }
  }
}

function status(code: Code, message: string): Status {
  return { code, message, details: [] };
}
