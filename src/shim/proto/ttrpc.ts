/** ttrpc's own envelope messages (package ttrpc) and google.rpc.Status. */
import { type MessageOf, f, message } from './message.js';
import { Any } from './wkt.js';

export const KeyValue = message('ttrpc.KeyValue', { key: f.string(1), value: f.string(2) });

export const Request = message('ttrpc.Request', {
  service: f.string(1),
  method: f.string(2),
  payload: f.bytes(3),
  timeoutNano: f.int64(4),
  metadata: f.messages(5, KeyValue),
});
export type Request = MessageOf<typeof Request>;

export const Status = message('google.rpc.Status', {
  code: f.int32(1),
  message: f.string(2),
  details: f.messages(3, Any),
});
export type Status = MessageOf<typeof Status>;

export const Response = message('ttrpc.Response', { status: f.message(1, Status), payload: f.bytes(2) });
export type Response = MessageOf<typeof Response>;
