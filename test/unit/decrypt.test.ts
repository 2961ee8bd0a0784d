// Legacy encryptedData decryption against the official vector and the synthetic phone vector
// (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html).
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  decryptPhoneData,
  decryptWeChatData,
  EncryptedDataRejected,
} from '../../service/wechat/decrypt'
import { nationalNumber, toE164 } from '../../service/wechat/phone'

/** The vector's watermark.timestamp (2016-10-24): decryption happens "just after" the user's tap. */
const tapped = new Date(1477314187 * 1000)
const official = {
  now: tapped,
  appId: 'wx4f4bc4dec97d474b',
  sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==',
  iv: 'r7BXXKkLb8qrSNn05n0qiA==',
  encryptedData:
    'CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==',
}
const phoneVector = {
  ...official,
  encryptedData:
    'xT8p8W6jIVdEWQ+ccHuD2bmG5RSiwg14VWRFw/UGVh6Aj+jDIadafJ4xdCIBQ/uxDiyw/MZWvpFyRn3pP3xxVfNQxFtzghvK+Pj5JQI7x412Zc+UKBdZyt5yiQboroSxabTum1k4MMOlnoCxhJ46cxPDT2EuLbNUf2McwNtGO0/9E+Xj/ZwENw48ucueL3UqNoKpXxFYvqH6eawrR2MXnA==',
}

const codeOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return 'no error'
}

/** The refusal: its code, message, and the reason kept for the log. */
function refusal(fn: () => unknown) {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(EncryptedDataRejected)
    const e = err as EncryptedDataRejected
    return { code: e.code, message: e.message, reason: e.reason }
  }
  throw new Error('not refused')
}

describe('decryptWeChatData', () => {
  it('decrypts the official sample to the exact documented plaintext', () => {
    const data = decryptWeChatData(official)
    const sha = createHash('sha256').update(JSON.stringify(data)).digest('hex')
    expect(sha).toBe('3237d8a5dbd413523c194882c7156544d8a06e2afcc97383cc300c17bd09391b')
    expect(data.openId).toBe('oGZUI0egBJY1zhBYw2KhdUfwVJJE')
    expect(data.unionId).toBe('ocMvos6NjeKLIBqg5Mr9QjxrP1FA')
  })

  it('accepts ciphertext wrapped at 32 characters, as some copies of the sample are', () => {
    const wrapped = official.encryptedData.replace(/(.{32})/g, '$1\n')
    expect(decryptWeChatData({ ...official, encryptedData: wrapped }).openId).toBe(
      'oGZUI0egBJY1zhBYw2KhdUfwVJJE',
    )
  })

  it('rejects a ciphertext prefixed with "aaaa"', () => {
    const input = { ...official, encryptedData: `aaaa${official.encryptedData}` }
    expect(codeOf(() => decryptWeChatData(input))).toBe('invalid_encrypted_data')
  })

  it('rejects data watermarked for another app', () => {
    const input = { ...official, appId: 'wx0000000000000001' }
    expect(refusal(() => decryptWeChatData(input)).reason).toBe('watermark_appid')
    expect(codeOf(() => decryptWeChatData(input))).toBe('invalid_encrypted_data')
  })

  it('accepts a tap up to 5 minutes old (or ahead of our clock), and refuses an older one', () => {
    const at = (seconds: number) => ({
      ...official,
      now: new Date(tapped.getTime() + seconds * 1000),
    })
    expect(decryptWeChatData(at(300)).openId).toBe('oGZUI0egBJY1zhBYw2KhdUfwVJJE')
    expect(decryptWeChatData(at(-600)).openId).toBe('oGZUI0egBJY1zhBYw2KhdUfwVJJE')
    expect(refusal(() => decryptWeChatData(at(301))).reason).toBe('watermark_stale')
    // The vector as it would arrive today: years stale.
    expect(refusal(() => decryptWeChatData({ ...official, now: new Date() })).reason).toBe(
      'watermark_stale',
    )
  })

  it('answers every kind of rejection with one code and one message', () => {
    const refusals = [
      refusal(() => decryptWeChatData({ ...official, sessionKey: 'dGlpaA==' })),
      refusal(() => decryptWeChatData({ ...official, iv: 'r7BXXKkLb8qrSNn05n0q' })),
      refusal(() => decryptWeChatData({ ...official, encryptedData: 'AAAA' })),
      refusal(() => decryptWeChatData({ ...official, sessionKey: 'AAAAAAAAAAAAAAAAAAAAAA==' })),
      refusal(() => decryptWeChatData({ ...official, appId: 'wx0000000000000001' })),
      refusal(() => decryptWeChatData({ ...official, now: new Date() })),
      refusal(() => decryptPhoneData(official)),
    ]
    expect(new Set(refusals.map((r) => r.reason)).size).toBeGreaterThanOrEqual(6)
    expect(new Set(refusals.map((r) => `${r.code} ${r.message}`))).toEqual(
      new Set([`invalid_encrypted_data ${refusals[0]!.message}`]),
    )
  })

  it('rejects a wrong session key without repeating it', () => {
    const sessionKey = 'AAAAAAAAAAAAAAAAAAAAAA=='
    let message = ''
    try {
      decryptWeChatData({ ...official, sessionKey })
    } catch (err) {
      message = (err as Error).message
      expect((err as { code?: string }).code).toBe('invalid_encrypted_data')
    }
    expect(message).not.toContain(sessionKey)
    expect(message).not.toBe('')
  })

  it('rejects an iv that is not 16 bytes', () => {
    const input = { ...official, iv: 'r7BXXKkLb8qrSNn05n0q' }
    expect(refusal(() => decryptWeChatData(input)).reason).toBe('iv')
    expect(codeOf(() => decryptWeChatData(input))).toBe('invalid_encrypted_data')
  })

  it('rejects a session key that is not 16 bytes', () => {
    const input = { ...official, sessionKey: 'dGlpaA==' }
    expect(refusal(() => decryptWeChatData(input)).reason).toBe('session_key')
  })
})

describe('decryptPhoneData', () => {
  it('reads the synthetic phone vector as +8613580006666', () => {
    expect(decryptPhoneData(phoneVector)).toEqual({
      e164: '+8613580006666',
      phoneNumber: '13580006666',
      purePhoneNumber: '13580006666',
      countryCode: '86',
    })
  })

  it('refuses decrypted data that carries no phone number', () => {
    expect(codeOf(() => decryptPhoneData(official))).toBe('invalid_encrypted_data')
  })
})

describe('phone numbers', () => {
  it('builds E.164 from a string or a numeric country code', () => {
    expect(toE164('86', '13800138000')).toBe('+8613800138000')
    expect(toE164(86, '13800138000')).toBe('+8613800138000')
    expect(toE164('+1', '2025550100')).toBe('+12025550100')
  })

  it('treats a malformed number from WeChat as a WeChat error', () => {
    expect(codeOf(() => toE164('86', '138-0013-8000'))).toBe('wechat_error')
    expect(codeOf(() => toE164('8a', '13800138000'))).toBe('wechat_error')
    expect(codeOf(() => toE164('86', '1380013800012345'))).toBe('wechat_error')
  })

  it('shows +86 numbers without the country code and others unchanged', () => {
    expect(nationalNumber('+8613800138000')).toBe('13800138000')
    expect(nationalNumber('+12025550100')).toBe('+12025550100')
  })
})
