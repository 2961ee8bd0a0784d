// Types for the parts of authing-wxapp-sdk (it ships none) and of wx-axios that the compatibility tests use.
declare module 'authing-wxapp-sdk' {
  export interface AuthingUser {
    id: string
    token: string | null
    tokenExpiredAt: string | null
    phone: string | null
    phoneVerified: boolean | null
    nickname: string | null
    photo: string | null
    gender: string | null
    openid: string | null
    [field: string]: unknown
  }

  export interface LoginStatus {
    code: number
    message: string
    status: boolean
    exp: number | null
    iat: number | null
    data: { id: string; userPoolId: string | null; arn: string | null } | null
  }

  export class AuthenticationClient {
    constructor(options: {
      userPoolId?: string
      appId?: string
      host: string
      onError?: (code: number, message: string, data?: unknown) => void
    })
    loginByCode(
      code: string,
      options?: { iv?: string; encryptedData?: string },
    ): Promise<AuthingUser>
    loginByPhone(code: string, iv: string, encryptedData: string): Promise<AuthingUser>
    getPhone(code: string, iv: string, encryptedData: string): Promise<Record<string, unknown>>
    updateProfile(updates: Record<string, unknown>): Promise<AuthingUser>
    getCurrentUser(): Promise<AuthingUser | null>
    checkLoginStatus(token?: string): Promise<LoginStatus>
    refreshToken(): Promise<{ token: string; iat: number; exp: number }>
    logout(): Promise<void>
  }
}

declare module 'wx-axios/lib/adapters/wx-request.js' {
  import type { AxiosAdapter } from 'wx-axios'
  const adapter: AxiosAdapter
  export default adapter
}
