// Rate-limit keys: an IPv4 address as it is, an IPv6 address by its /64 whatever its spelling.
import { describe, expect, it } from 'vitest'
import { addressKey } from '../../service/http/address-key'

describe('addressKey', () => {
  it('keeps an IPv4 address whole', () => {
    expect(addressKey('198.51.100.7')).toBe('198.51.100.7')
  })

  it('keys every spelling of an IPv6 address by the same /64', () => {
    const key = '2001:db8:0:1::/64'
    for (const ip of [
      '2001:db8:0:1::1',
      '2001:0db8:0000:0001:0000:0000:0000:0001',
      '2001:DB8::1:ffff:ffff:ffff:ffff',
      '2001:db8:0:1:a:b:1.2.3.4',
      '2001:db8:0:1::7%eth0',
    ])
      expect(addressKey(ip), ip).toBe(key)
    expect(addressKey('2001:db8:0:2::1')).not.toBe(key)
    expect(addressKey('::1')).toBe('0:0:0:0::/64')
  })

  it('counts an IPv4 client of a dual-stack socket as its IPv4 address', () => {
    expect(addressKey('::ffff:198.51.100.7')).toBe('198.51.100.7')
    expect(addressKey('::ffff:c633:6407')).toBe('198.51.100.7')
  })

  it('has one key for a missing address and keeps anything else as given', () => {
    expect(addressKey(undefined)).toBe('unknown')
    expect(addressKey('not an address')).toBe('not an address')
  })
})
