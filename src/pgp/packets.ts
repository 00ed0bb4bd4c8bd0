/**
 * A minimal OpenPGP packet-header walker (RFC 9580 §4.2). It reads tags and lengths only, never
 * decompresses or decrypts, so hostile input can be inspected in linear time before openpgp.js sees
 * it: the packet sequence of an inbound message, the version of a key packet (openpgp.js cannot
 * parse v3 keys, so it cannot tell us that is what it was given), secret key packets.
 */
export const Tag = {
  pkesk: 1,
  signature: 2,
  skesk: 3,
  onePassSignature: 4,
  secretKey: 5,
  publicKey: 6,
  secretSubkey: 7,
  compressed: 8,
  sed: 9,
  marker: 10,
  literal: 11,
  userId: 13,
  publicSubkey: 14,
  userAttribute: 17,
  seipd: 18,
  aead: 20,
} as const;

/** Only these packets may use partial body lengths (RFC 9580 §4.2.1.4). */
const PARTIAL_OK = new Set<number>([Tag.compressed, Tag.sed, Tag.literal, Tag.seipd, Tag.aead]);

export interface RawPacket {
  tag: number;
  /** Offset of the packet header. */
  start: number;
  /** Offset just past the packet. */
  end: number;
  /** The body when it is in one piece; null for partial-length (chunked) packets. */
  body: Uint8Array | null;
  /** The first body octet (the version, for most packet types); undefined for an empty body. */
  firstOctet: number | undefined;
}

export class PacketFormatError extends Error {
  /** 'limit' when the input simply has more packets than the caller allowed. */
  readonly reason: 'format' | 'limit';
  constructor(message: string, reason: 'format' | 'limit' = 'format') {
    super(message);
    this.name = 'PacketFormatError';
    this.reason = reason;
  }
}

/** Walks the packet headers; throws PacketFormatError on anything truncated or malformed. */
export function scanPackets(bytes: Uint8Array, maxPackets = Number.POSITIVE_INFINITY): RawPacket[] {
  const packets: RawPacket[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (packets.length >= maxPackets) throw new PacketFormatError(`more than ${maxPackets} packets`, 'limit');
    const packet = readPacket(bytes, at);
    packets.push(packet);
    at = packet.end;
  }
  return packets;
}

function readPacket(bytes: Uint8Array, start: number): RawPacket {
  const ctb = byteAt(bytes, start);
  if ((ctb & 0x80) === 0) throw new PacketFormatError(`invalid packet header at offset ${start}`);
  if ((ctb & 0x40) === 0) return readOldFormat(bytes, start, ctb);
  const tag = ctb & 0x3f;
  let at = start + 1;
  let partial = false;
  let firstChunkStart = -1;
  for (;;) {
    const first = byteAt(bytes, at);
    let length: number;
    if (first < 192) {
      length = first;
      at += 1;
    } else if (first < 224) {
      length = ((first - 192) << 8) + byteAt(bytes, at + 1) + 192;
      at += 2;
    } else if (first === 255) {
      length = readUint32(bytes, at + 1);
      at += 5;
    } else {
      if (!PARTIAL_OK.has(tag)) throw new PacketFormatError(`packet type ${tag} may not use partial lengths`);
      partial = true;
      length = 1 << (first & 0x1f);
      at += 1;
      if (firstChunkStart < 0) firstChunkStart = at;
      at = skip(bytes, at, length);
      continue;
    }
    const bodyStart = at;
    const end = skip(bytes, at, length);
    const firstOctetAt = partial ? firstChunkStart : bodyStart;
    return {
      tag,
      start,
      end,
      body: partial ? null : bytes.subarray(bodyStart, end),
      firstOctet: firstOctetAt < end ? bytes[firstOctetAt] : undefined,
    };
  }
}

function readOldFormat(bytes: Uint8Array, start: number, ctb: number): RawPacket {
  const tag = (ctb >> 2) & 0x0f;
  const lengthType = ctb & 0x03;
  let at = start + 1;
  let length: number;
  if (lengthType === 0) {
    length = byteAt(bytes, at);
    at += 1;
  } else if (lengthType === 1) {
    length = (byteAt(bytes, at) << 8) | byteAt(bytes, at + 1);
    at += 2;
  } else if (lengthType === 2) {
    length = readUint32(bytes, at);
    at += 4;
  } else {
    // Indeterminate length: the packet runs to the end of the input; only data packets may do so.
    if (!PARTIAL_OK.has(tag)) throw new PacketFormatError(`packet type ${tag} may not have an indeterminate length`);
    length = bytes.length - at;
  }
  const end = skip(bytes, at, length);
  return { tag, start, end, body: bytes.subarray(at, end), firstOctet: at < end ? bytes[at] : undefined };
}

function byteAt(bytes: Uint8Array, at: number): number {
  const b = bytes[at];
  if (b === undefined) throw new PacketFormatError('truncated packet header');
  return b;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return byteAt(bytes, at) * 0x1000000 + (byteAt(bytes, at + 1) << 16) + (byteAt(bytes, at + 2) << 8) + byteAt(bytes, at + 3);
}

function skip(bytes: Uint8Array, at: number, length: number): number {
  if (at + length > bytes.length) throw new PacketFormatError('truncated packet body');
  return at + length;
}
