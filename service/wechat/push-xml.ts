// The XML WeChat pushes, read strictly: one <xml> root holding flat <Name>text</Name> or CDATA fields, and
// nothing else. No DTD, no entities beyond XML's five, no attributes, no nesting, no repeated field: a parser
// that knew more would be one more thing to attack (XXE, entity expansion) for messages that never use it.
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/
const MAX_FIELDS = 32
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

export class PushXmlError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PushXmlError'
  }
}

function text(raw: string): string {
  const cdata = /^<!\[CDATA\[([\s\S]*?)\]\]>$/.exec(raw)
  if (cdata) return cdata[1]!
  if (/[<>]/.test(raw)) throw new PushXmlError('a field holds markup')
  return raw.replace(/&([a-z]+);|&/g, (whole, name: string | undefined) => {
    const char = name === undefined ? undefined : ENTITIES[name]
    if (char === undefined) throw new PushXmlError('a field holds an entity XML does not predefine')
    return char
  })
}

/**
 * The fields of `<xml>…</xml>` as strings, on an object without a prototype (a field named `__proto__` is
 * data); throws PushXmlError for anything else.
 */
export function parsePushXml(xml: string): Record<string, string> {
  // An optional declaration, then the root; whitespace around both.
  const root = /^\s*(?:<\?xml[^?<>]*\?>\s*)?<xml>([\s\S]*)<\/xml>\s*$/.exec(xml)
  if (!root) throw new PushXmlError('the body is not one <xml> element')
  const fields: Record<string, string> = Object.create(null) as Record<string, string>
  let rest = root[1]!
  let count = 0
  for (;;) {
    rest = rest.trimStart()
    if (rest === '') return fields
    const open = /^<([^\s<>/!?]+)>/.exec(rest)
    if (!open || !NAME.test(open[1]!)) throw new PushXmlError('expected a field element')
    const name = open[1]!
    const close = `</${name}>`
    const start = open[0].length
    // CDATA may contain "</Name>"; find the end of the CDATA first when there is one.
    const cdataEnd = rest.startsWith('<![CDATA[', start) ? rest.indexOf(']]>', start) : start
    const end = cdataEnd < 0 ? -1 : rest.indexOf(close, cdataEnd)
    if (end < 0) throw new PushXmlError(`<${name}> is not closed`)
    if (name in fields) throw new PushXmlError(`<${name}> appears twice`)
    if (++count > MAX_FIELDS) throw new PushXmlError('too many fields')
    fields[name] = text(rest.slice(start, end))
    rest = rest.slice(end + close.length)
  }
}
