// The key a client address is counted under: an IPv4 address as it is, an IPv6 address by its /64. One
// subscriber gets a whole /64 (RFC 6177; mobile networks give each device its own), so keying by the full
// address would give a single client 2^64 buckets.
import { isIPv4, isIPv6 } from 'node:net'

/** Eight 16-bit groups of an IPv6 address (an embedded IPv4 tail counted as two), or undefined. */
function groups(ip: string): number[] | undefined {
  const address = ip.replace(/%.*$/, '') // a zone ("fe80::1%eth0") is local to the host
  if (!isIPv6(address)) return undefined
  let text = address
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1]
  if (v4) {
    const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number]
    text = `${text.slice(0, -v4.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.split('::') as [string, string | undefined]
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : [])
  const left = parse(head)
  const right = tail === undefined ? [] : parse(tail)
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right]
}

export function addressKey(ip: string | undefined): string {
  if (ip === undefined) return 'unknown'
  if (isIPv4(ip)) return ip
  const g = groups(ip)
  if (!g) return ip
  // An IPv4 client of a dual-stack socket (::ffff:a.b.c.d) is that IPv4 address.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)
    return [g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255].join('.')
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`
}
