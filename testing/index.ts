// The testing entry point: what this repository's own suites use to drive a Mini Program without WeChat,
// offered to yours. The simulator speaks WeChat's server API over real HTTP; the wx shim is a `wx` for
// Node whose wx.login mints codes from it and whose wx.request goes to your service.
export { defaultSimApps, type SimApp } from '../simulator/app'
export { startSimulator, type StartedSimulator } from '../simulator/server'
export { createWxShim, type WxShim, type WxShimOptions } from './wx-shim'
export { startTestService, type TestService, type TestServiceOptions } from './service'
