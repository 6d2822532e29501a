import { describe, expect, it } from 'vitest';
import { formatIPv6, packAddresses, parseAddress, parseAddressList } from '../../src/platform/freebsd/addresses.js';

describe('IPv4 addresses', () => {
  it.each([
    ['10.11.12.13', '0a0b0c0d', 32],
    ['192.168.0.1/24', 'c0a80001', 24],
    ['127.0.1.1', '7f000101', 32],
    ['1.0.0.0', '01000000', 32],
  ])('%s → in_addr %s', (text, hex, prefix) => {
    const a = parseAddress(text, 4, 'w');
    expect(a.bytes.toString('hex')).toBe(hex);
    expect(a.prefix).toBe(prefix);
    expect(a.family).toBe(4);
  });
  it.each(['10.0.0', '10.0.0.256', '010.0.0.1', '10.0.0.1 ', 'a.b.c.d', '10.0.0.1/0', '10.0.0.1/33', '::1', '', '0.0.0.0', '255.255.255.255'])(
    'refuses %j',
    (text) => {
      expect(() => parseAddress(text, 4, 'config.json /freebsd/jail/ip4Addr/0')).toThrow('config.json /freebsd/jail/ip4Addr/0');
    },
  );
});

describe('IPv6 addresses', () => {
  it.each([
    ['fd10::11:12:13', 'fd100000000000000000001100120013', 'fd10::11:12:13'],
    ['::1', '00000000000000000000000000000001', '::1'],
    ['FE80:0:0:0:0:0:0:1', 'fe800000000000000000000000000001', 'fe80::1'],
    ['2001:db8:0:0:1:0:0:1', '20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001/64', '20010db8000000000000000000000001', '2001:db8::1'],
    ['::ffff:10.0.0.1', '00000000000000000000ffff0a000001', '::ffff:a00:1'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008', '1:2:3:4:5:6:7:8'],
    ['1::', '00010000000000000000000000000000', '1::'],
  ])('%s → in6_addr %s, canonical %s', (text, hex, canonical) => {
    const a = parseAddress(text, 6, 'w');
    expect(a.bytes.toString('hex')).toBe(hex);
    expect(a.text).toBe(canonical);
  });
  it('uses /128 unless given', () => {
    expect(parseAddress('fd00::1', 6, 'w').prefix).toBe(128);
    expect(parseAddress('fd00::1/64', 6, 'w').prefix).toBe(64);
  });
  it.each(['1:2:3:4:5:6:7:8:9', '1::2::3', ':1', 'fe80::1%em0', 'g::1', '12345::', '::', '10.0.0.1', '1:2:3:4:5:6:7::8:9'])('refuses %j', (text) => {
    expect(() => parseAddress(text, 6, 'where')).toThrow('where');
  });
  it('formats per RFC 5952: the first longest zero run, not a single zero group', () => {
    expect(formatIPv6(Buffer.from('00010000000200000000000000030004', 'hex'))).toBe('1:0:2::3:4');
    expect(formatIPv6(Buffer.from('00010000000000020000000000030004', 'hex'))).toBe('1::2:0:0:3:4');
  });
});

describe('address lists', () => {
  it('packs struct in_addr arrays back to back, in order', () => {
    const list = parseAddressList(['10.0.0.2', '10.0.0.1'], 4, 'w');
    expect(packAddresses(list).toString('hex')).toBe('0a0000020a000001');
  });
  it('packs struct in6_addr arrays', () => {
    expect(packAddresses(parseAddressList(['::1', 'fd00::2'], 6, 'w')).length).toBe(32);
  });
  it('refuses duplicates in canonical form', () => {
    expect(() => parseAddressList(['fd00::1', 'FD00:0::1'], 6, 'ip6Addr')).toThrow('ip6Addr/1: duplicate address fd00::1');
  });
});
