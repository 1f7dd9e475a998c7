/**
 * The server name of a TLS ClientHello, `null` when the bytes are a ClientHello without SNI,
 * `'not-tls'` when they are not a ClientHello at all, `undefined` when more bytes are needed.
 */
export function clientHelloSni(data: Buffer): string | null | 'not-tls' | undefined {
  if (data.length < 1) return undefined;
  if (data[0] !== 0x16) return 'not-tls';
  if (data.length < 5) return undefined;
  const recordLength = data.readUInt16BE(3);
  if (data.length < 5 + recordLength) return undefined;
  const hello = data.subarray(5, 5 + recordLength);
  if (hello[0] !== 0x01) return 'not-tls';
  let at = 4 + 2 + 32; // handshake header, client version, random
  at += 1 + (hello[at] ?? 0); // session id
  at += 2 + hello.readUInt16BE(at); // cipher suites
  at += 1 + (hello[at] ?? 0); // compression methods
  if (at + 2 > hello.length) return null;
  const end = at + 2 + hello.readUInt16BE(at);
  at += 2;
  while (at + 4 <= end) {
    const type = hello.readUInt16BE(at);
    const length = hello.readUInt16BE(at + 2);
    if (type === 0) {
      const nameLength = hello.readUInt16BE(at + 7);
      return hello.subarray(at + 9, at + 9 + nameLength).toString('ascii');
    }
    at += 4 + length;
  }
  return null;
}
