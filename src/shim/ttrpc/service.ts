/** What a ttrpc server dispatches to: services of unary methods with typed messages. */
import type { Init, MessageType } from '../proto/message.js';

/** Metadata key containerd puts the namespace under. */
export const NAMESPACE_KEY = 'containerd-namespace-ttrpc';

export interface CallContext {
  readonly service: string;
  readonly method: string;
  /** Request metadata: every value of each key, in order. */
  readonly metadata: ReadonlyMap<string, readonly string[]>;
  /** The containerd namespace the caller named, if any. */
  readonly namespace: string | undefined;
  /** Aborts when the caller's timeout passes or its connection closes. */
  readonly signal: AbortSignal;
}

export interface Method<Req, Res> {
  readonly request: MessageType<Req>;
  readonly response: MessageType<Res>;
  handle(req: Req, ctx: CallContext): Promise<Init<Res>> | Init<Res>;
}

/** Ties a handler to its message types so the handler's types are checked. */
export function method<Req, Res>(
  request: MessageType<Req>,
  response: MessageType<Res>,
  handle: (req: Req, ctx: CallContext) => Promise<Init<Res>> | Init<Res>,
): Method<Req, Res> {
  return { request, response, handle };
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds methods of every message type
export type AnyMethod = Method<any, any>;
export type Service = Readonly<Record<string, AnyMethod>>;
