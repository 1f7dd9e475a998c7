import { randomBytes } from 'node:crypto';

/*
 * Payloads that make a real server answer, so an open path shows up as a reply: a DNS query
 * on 53, an NTP client request on 123, a QUIC packet with a version no server speaks on 443
 * (servers must answer it with Version Negotiation), a line of text elsewhere.
 */

/** A DNS query (recursion desired) for `name` type A, with transaction id `id`. */
export function dnsQuery(name: string, id: number): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .map((label) => {
      const bytes = Buffer.from(label, 'ascii');
      return Buffer.concat([Buffer.from([bytes.length]), bytes]);
    });
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(0x0100, 2); // standard query, recursion desired
  header.writeUInt16BE(1, 4); // one question
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

export interface DnsAnswer {
  readonly rcode: number;
  readonly answers: number;
}

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/** The response code and answer count of a DNS response to `id`, or undefined. */
export function parseDnsResponse(data: Buffer, id: number): DnsAnswer | undefined {
  if (data.length < 12 || data.readUInt16BE(0) !== (id & 0xffff)) return undefined;
  const flags = data.readUInt16BE(2);
  if ((flags & 0x8000) === 0) return undefined;
  return { rcode: flags & 0x0f, answers: data.readUInt16BE(6) };
}

export function rcodeName(rcode: number): string {
  return RCODES[rcode] ?? `rcode ${rcode}`;
}

/** An SNTP v4 client request (LI 0, version 4, mode 3). */
export function ntpRequest(): Buffer {
  const packet = Buffer.alloc(48);
  packet[0] = 0x23;
  return packet;
}

/**
 * A QUIC long-header Initial-shaped packet with the reserved version 0x1a2a3a4a, padded to
 * 1200 bytes: a QUIC server answers with a Version Negotiation packet (RFC 9000, 6.1).
 */
export function quicProbe(): Buffer {
  const dcid = randomBytes(8);
  const scid = randomBytes(8);
  const head = Buffer.concat([
    Buffer.from([0xc0, 0x1a, 0x2a, 0x3a, 0x4a, dcid.length]),
    dcid,
    Buffer.from([scid.length]),
    scid,
  ]);
  return Buffer.concat([head, Buffer.alloc(1200 - head.length)]);
}

/** The payload for a UDP check on `port`. */
export function udpPayload(port: number, name: string, id: number): Buffer {
  if (port === 53 || port === 5353) return dnsQuery(name, id);
  if (port === 123) return ntpRequest();
  if (port === 443) return quicProbe();
  return Buffer.from('agent-perimeter probe\n');
}

/** A random 16-bit DNS transaction id. */
export function dnsId(): number {
  return randomBytes(2).readUInt16BE(0);
}
