// The app: one WechatLogin for every page. ensureLogin() at launch logs in silently, or checks the stored
// session with the server and replaces it if it ended (logged out elsewhere, blocked, deleted).
const { WechatLogin } = require('wechat-login-stack-client')
const config = require('./config')

const auth = new WechatLogin({
  endpoint: config.endpoint,
  connection: config.connection,
  onSessionEnd({ code }) {
    console.info('[example] session ended:', code)
  },
})

App({
  auth,
  config,
  onLaunch() {
    // Pages await this; a failure (offline, blocked) is theirs to show.
    this.ready = auth.ensureLogin()
  },
})
