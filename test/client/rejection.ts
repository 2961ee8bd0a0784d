// The WechatLoginError a promise rejects with; fails the test when it resolves or rejects with anything else.
import { expect } from 'vitest'
import { WechatLoginError } from '../../client/src'

export async function rejection(promise: Promise<unknown>): Promise<WechatLoginError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(WechatLoginError)
  return err as WechatLoginError
}
