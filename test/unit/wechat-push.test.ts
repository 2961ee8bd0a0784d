// Message-push crypto against WeChat's published vectors (the WXBizMsgCrypt samples' encryption vector, the
// handshake and plain-push signatures of the message-push pages), and the strict XML reader.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import {
  decryptPush,
  PushDecryptError,
  pushSignature,
  signatureMatches,
} from '../../service/wechat/push-crypto'
import { parsePushXml, PushXmlError } from '../../service/wechat/push-xml'
import { deliverPush, encryptPush } from '../../simulator/push'

/** WeChat's WXBizMsgCrypt samples (C++, Java, PHP, Python, C#; https://wximg.gtimg.com/shake_tv/mpwiki/cryptoDemo.zip). */
const vector = {
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wxb11529c136998cb6',
  random: 'aaaabbbbccccdddd',
  message: '我是中文abcd123',
  encrypted:
    'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
}

describe('safe-mode crypto', () => {
  it("decrypts WeChat's official vector to its message and AppID", () => {
    expect(decryptPush(vector.encodingAesKey, vector.encrypted)).toEqual({
      message: vector.message,
      appId: vector.appId,
    })
  })

  it("encrypts as WeChat does: the simulator reproduces the official vector's ciphertext", () => {
    const random = Buffer.from(vector.random)
    expect(encryptPush(vector.encodingAesKey, vector.appId, vector.message, random)).toBe(
      vector.encrypted,
    )
  })

  it('round-trips messages of every length across the 32-byte padding', () => {
    for (let n = 0; n < 70; n++) {
      const message = 'x'.repeat(n)
      const sealed = encryptPush(vector.encodingAesKey, 'wx00000000000000a1', message)
      expect(decryptPush(vector.encodingAesKey, sealed)).toEqual({
        message,
        appId: 'wx00000000000000a1',
      })
    }
  })

  it('refuses ciphertext of a wrong length, under another key, or cut short', () => {
    const reasons = (encrypted: string, key = vector.encodingAesKey) => {
      try {
        decryptPush(key, encrypted)
        return 'decrypted'
      } catch (err) {
        expect(err).toBeInstanceOf(PushDecryptError)
        return (err as PushDecryptError).reason
      }
    }
    expect(reasons('')).toBe('length')
    expect(reasons(Buffer.alloc(20).toString('base64'))).toBe('length')
    // Another key: the padding no longer reads as padding (or, rarely, the layout breaks).
    expect(['padding', 'layout']).toContain(reasons(vector.encrypted, 'Z'.repeat(43)))
    // The last block dropped: what remains ends in a byte of the message, not padding.
    const cut = Buffer.from(vector.encrypted, 'base64').subarray(0, 48).toString('base64')
    expect(['padding', 'layout']).toContain(reasons(cut))
  })
})

describe('signatures', () => {
  it("match the examples of WeChat's message-push pages", () => {
    // https://developers.weixin.qq.com/miniprogram/dev/framework/server-ability/message-push.html (发起验证)
    expect(pushSignature(['AAAAA', '1714036504', '1514711492'])).toBe(
      'f464b24fc39322e44b38aa78f5edd27bd1441696',
    )
    // https://developers.weixin.qq.com/doc/oplatform/developers/dev/push/encryption.html (明文模式)
    expect(pushSignature(['AAAAA', '1714037059', '486452656'])).toBe(
      '899cf89e464efb63f54ddac96b0a0a235f53aa78',
    )
  })

  it('accept only the exact digest', () => {
    const parts = ['AAAAA', '1714036504', '1514711492']
    expect(signatureMatches('f464b24fc39322e44b38aa78f5edd27bd1441696', parts)).toBe(true)
    expect(signatureMatches('F464B24FC39322E44B38AA78F5EDD27BD1441696', parts)).toBe(false)
    expect(signatureMatches('f464b24fc39322e44b38aa78f5edd27bd144169', parts)).toBe(false)
    expect(signatureMatches('f464b24fc39322e44b38aa78f5edd27bd1441697', parts)).toBe(false)
    expect(signatureMatches(undefined, parts)).toBe(false)
    expect(signatureMatches('', parts)).toBe(false)
  })
})

describe('parsePushXml', () => {
  it("reads the example of WeChat's authorization-change page", () => {
    const xml = `<xml>
      <ToUserName><![CDATA[gh_870882ca4b1]]></ToUserName>
      <FromUserName><![CDATA[owAqB1v0ahK_Xlc7GshIDdf2yf7E]]></FromUserName>
      <CreateTime>1626857200</CreateTime>
      <MsgType><![CDATA[event]]></MsgType>
      <Event><![CDATA[user_authorization_revoke]]></Event>
      <OpenID><![CDATA[owAqB1nqaOYYWl0Ng484G2z5NIwU]]></OpenID>
      <AppID><![CDATA[wx13974bf780d3dc89]]></AppID>
      <RevokeInfo><![CDATA[1]]></RevokeInfo>
    </xml>`
    expect(parsePushXml(xml)).toEqual({
      ToUserName: 'gh_870882ca4b1',
      FromUserName: 'owAqB1v0ahK_Xlc7GshIDdf2yf7E',
      CreateTime: '1626857200',
      MsgType: 'event',
      Event: 'user_authorization_revoke',
      OpenID: 'owAqB1nqaOYYWl0Ng484G2z5NIwU',
      AppID: 'wx13974bf780d3dc89',
      RevokeInfo: '1',
    })
  })

  it("keeps CDATA verbatim, decodes XML's five entities, allows a declaration", () => {
    expect(
      parsePushXml(
        '<?xml version="1.0" encoding="UTF-8"?><xml><A><![CDATA[</A> & <b>]]></A><B>x &lt;&amp;&gt; y</B><C></C></xml>',
      ),
    ).toEqual({ A: '</A> & <b>', B: 'x <&> y', C: '' })
  })

  it.each([
    ['a DTD', '<!DOCTYPE xml [<!ENTITY e "x">]><xml><A>&e;</A></xml>'],
    ['an unknown entity', '<xml><A>&e;</A></xml>'],
    ['a bare ampersand', '<xml><A>a & b</A></xml>'],
    ['a character reference', '<xml><A>&#60;</A></xml>'],
    ['an attribute', '<xml><A x="1">a</A></xml>'],
    ['a nested element', '<xml><A><B>b</B></A></xml>'],
    ['a repeated field', '<xml><A>1</A><A>2</A></xml>'],
    ['an unclosed field', '<xml><A>1</xml>'],
    ['a comment', '<xml><!-- hi --><A>1</A></xml>'],
    ['another root', '<msg><A>1</A></msg>'],
    ['text after the root', '<xml><A>1</A></xml>tail'],
    ['stray text', '<xml>hello<A>1</A></xml>'],
    ['a prototype-polluting name', '<xml><__proto__>1</__proto__><__proto__>2</__proto__></xml>'],
    [
      'too many fields',
      `<xml>${Array.from({ length: 33 }, (_, i) => `<F${i}>1</F${i}>`).join('')}</xml>`,
    ],
  ])('refuses %s', (_what, xml) => {
    expect(() => parsePushXml(xml)).toThrow(PushXmlError)
  })

  it('reads a field named __proto__ as data, never as a prototype', () => {
    const fields = parsePushXml('<xml><__proto__>1</__proto__></xml>')
    expect(Object.getPrototypeOf(fields)).toBeNull()
    expect(Object.keys(fields)).toEqual(['__proto__'])
    expect(fields['__proto__']).toBe('1')
  })
})

describe("the simulator's push", () => {
  it('retries, as WeChat does, until the answer is success; a dead URL is status 0', async () => {
    const answers = [
      [500, 'oops'],
      [200, 'not yet'],
      [200, 'success'],
    ] as const
    const seen: string[] = []
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () => {
        seen.push(`${req.url} ${body}`)
        const [status, text] = answers[seen.length - 1]!
        res.writeHead(status).end(text)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/push`
    const options = {
      url,
      token: 'tok123',
      mode: 'plain' as const,
      format: 'json' as const,
      appId: 'wx00000000000000a1',
      event: 'user_info_modified',
      user: 'alice',
      retries: 3,
      timeoutMs: 2000,
    }
    try {
      const result = await deliverPush(options, Date.now())
      expect(result.delivered).toBe(true)
      expect(result.attempts.map((a) => a.status)).toEqual([500, 200, 200])
      // Every retry is the same push: the same query (signature, timestamp, nonce) and body.
      expect(new Set(seen).size).toBe(1)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
    const dead = await deliverPush({ ...options, retries: 1 }, Date.now())
    expect(dead).toMatchObject({ delivered: false, attempts: [{ status: 0 }, { status: 0 }] })
  })
})
