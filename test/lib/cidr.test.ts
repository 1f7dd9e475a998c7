import { describe, expect, it } from 'vitest';
import {
  formatIpv4,
  isNetworkAddress,
  isPrivate,
  networkOf,
  overlaps,
  parseIpv4Cidr,
  rangeSize,
  within,
} from '../../lib/cidr.js';

const range = (cidr: string) => {
  const parsed = parseIpv4Cidr(cidr);
  if (parsed === undefined) throw new Error(`test range ${cidr} does not parse`);
  return parsed;
};

describe('parseIpv4Cidr', () => {
  it.each([
    ['10.0.0.0/8', { base: 10 * 2 ** 24, prefix: 8 }],
    ['192.168.1.0/24', { base: ((192 * 256 + 168) * 256 + 1) * 256, prefix: 24 }],
    // As written: the host bits stay, for isNetworkAddress to judge.
    ['10.0.0.5/24', { base: 10 * 2 ** 24 + 5, prefix: 24 }],
    ['0.0.0.0/0', { base: 0, prefix: 0 }],
  ])('reads %s', (cidr, expected) => {
    expect(parseIpv4Cidr(cidr)).toEqual(expected);
  });

  it.each(['10.0.0.0', '256.0.0.0/8', '10.0.0.0/33', '10.0.0/8', ' 10.0.0.0/8', '::1/128'])(
    'refuses %j',
    (cidr) => {
      expect(parseIpv4Cidr(cidr)).toBeUndefined();
    },
  );
});

describe('range arithmetic', () => {
  it('sizes a range and tells a network address from one with host bits set', () => {
    expect(rangeSize(range('10.0.0.0/24'))).toBe(256);
    expect(rangeSize(range('10.0.0.1/32'))).toBe(1);
    expect(isNetworkAddress(range('10.213.0.0/16'))).toBe(true);
    expect(isNetworkAddress(range('10.213.1.0/16'))).toBe(false);
    expect(networkOf(range('10.213.1.7/16'))).toEqual(range('10.213.0.0/16'));
  });

  it('writes an address as a dotted quad', () => {
    expect(formatIpv4(range('10.213.1.2/32').base)).toBe('10.213.1.2');
    expect(formatIpv4(2 ** 32 - 1)).toBe('255.255.255.255');
  });

  it('knows overlap, containment and private space', () => {
    expect(overlaps(range('172.17.0.0/16'), range('172.16.0.0/12'))).toBe(true);
    expect(overlaps(range('10.0.0.0/24'), range('10.0.1.0/24'))).toBe(false);
    expect(within(range('10.0.1.0/24'), range('10.0.0.0/16'))).toBe(true);
    expect(within(range('10.0.0.0/8'), range('10.0.0.0/16'))).toBe(false);
    expect(isPrivate(range('192.168.4.0/22'))).toBe(true);
    expect(isPrivate(range('100.64.0.0/16'))).toBe(false);
    // Straddling the end of 172.16.0.0/12 is not inside it.
    expect(isPrivate(range('172.31.0.0/15'))).toBe(false);
  });
});
