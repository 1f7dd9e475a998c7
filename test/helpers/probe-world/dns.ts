/*
 * A few lines of DNS wire format for the test world's resolvers: read the question of a query,
 * answer it with one A record or NXDOMAIN.
 */

export interface Question {
  readonly id: number;
  readonly name: string;
  /** The question section, copied into the answer. */
  readonly section: Buffer;
  readonly type: number;
}

export function readQuestion(packet: Buffer): Question | undefined {
  if (packet.length < 17) return undefined;
  const labels: string[] = [];
  let at = 12;
  while (at < packet.length) {
    const length = packet[at] ?? 0;
    if (length === 0) break;
    labels.push(packet.subarray(at + 1, at + 1 + length).toString('ascii'));
    at += 1 + length;
  }
  const end = at + 5;
  if (end > packet.length) return undefined;
  return {
    id: packet.readUInt16BE(0),
    name: labels.join('.').toLowerCase(),
    section: packet.subarray(12, end),
    type: packet.readUInt16BE(at + 1),
  };
}

/** An answer to `q`: one A record for `address`, or NXDOMAIN when `address` is undefined. */
export function answer(q: Question, address: string | undefined): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  const a = address !== undefined && q.type === 1;
  header.writeUInt16BE(0x8180 | (address === undefined ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(a ? 1 : 0, 6);
  if (!a) return Buffer.concat([header, q.section]);
  const record = Buffer.alloc(16);
  record.writeUInt16BE(0xc00c, 0); // name: pointer to the question
  record.writeUInt16BE(1, 2); // A
  record.writeUInt16BE(1, 4); // IN
  record.writeUInt32BE(30, 6); // TTL
  record.writeUInt16BE(4, 10);
  (address as string).split('.').forEach((octet, i) => {
    record[12 + i] = Number(octet);
  });
  return Buffer.concat([header, q.section, record]);
}
