// WeChat's API types without the rest of miniprogram-api-typings: its index also declares runtime globals
// (require, module, setTimeout, console) that clash with @types/node in this repository's one program.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- a global declaration file, not a module
/// <reference path="../../node_modules/miniprogram-api-typings/types/wx/lib.wx.api.d.ts" />

declare namespace WechatMiniprogram {
  type IAnyObject = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
}
