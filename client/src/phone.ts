// The getPhoneNumber button's event.detail as the body the phone routes take: the single-use `code` of
// base library 2.21.2+, or the legacy encryptedData/iv pair, which the service decrypts with the session
// key behind a fresh wx.login code.
import { WechatLoginError } from './errors'
import type { PhoneCredential } from './types'

export type PhoneFields = { phoneCode: string } | { encryptedData: string; iv: string }

export function phoneFields(credential: PhoneCredential): PhoneFields {
  if (typeof credential === 'string' && credential) return { phoneCode: credential }
  if (credential && typeof credential === 'object') {
    if (credential.code) return { phoneCode: credential.code }
    if (credential.encryptedData && credential.iv)
      return { encryptedData: credential.encryptedData, iv: credential.iv }
  }
  // What a user's "deny" looks like: detail carries only errMsg.
  throw new WechatLoginError(
    'phone_declined',
    'The getPhoneNumber event carried no phone credential.',
  )
}

export const isLegacy = (fields: PhoneFields): boolean => !('phoneCode' in fields)
