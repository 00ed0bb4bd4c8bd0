/**
 * A wrap thread: wraps session keys for Curve25519 recipients off the daemon's main thread (see
 * wrap-threads.ts). Holds no state but the recipients' public KeyObjects.
 */
import type { KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { nativeWrap, x25519PublicKey } from './native-wrap.js';
import type { WrapReply, WrapRequest } from './wrap-threads.js';

/** Recipients seen lately; cleared when it grows past a bound (rebuilding one costs ~20 µs). */
const keys = new Map<string, KeyObject>();
const MAX_KEYS = 20_000;

function keyFor(point: Uint8Array): KeyObject {
  const id = Buffer.from(point.buffer, point.byteOffset, point.byteLength).toString('base64');
  let k = keys.get(id);
  if (!k) {
    if (keys.size >= MAX_KEYS) keys.clear();
    k = x25519PublicKey(point);
    keys.set(id, k);
  }
  return k;
}

const port = parentPort;
if (!port) throw new Error('wrap-thread.ts runs only as a worker thread');
port.on('message', (req: WrapRequest) => {
  const transfer: ArrayBuffer[] = [];
  const out: Array<Uint8Array | string> = req.items.map((it) => {
    try {
      const r = { ...it.r, publicKey: keyFor(it.r.point) };
      // Copied out of Buffer's shared 8 KiB pool into a store of its own, which is then moved, not
      // cloned, to the main thread (a clone of a pooled view would copy the whole slab).
      const pkesk = new Uint8Array(nativeWrap(r, it.sessionKey, it.algorithm));
      transfer.push(pkesk.buffer);
      return pkesk;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  });
  const reply: WrapReply = { id: req.id, out };
  port.postMessage(reply, transfer);
});
