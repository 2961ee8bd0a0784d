// Where the login service is. `npm start` prints the endpoint; with HOST=0.0.0.0 it prints a LAN address
// for a phone's preview. The connection is `wechat-miniprogram` unless you set WECHAT_CONNECTION(S).
module.exports = {
  endpoint: 'http://127.0.0.1:3000',
  connection: 'wechat-miniprogram',
  /**
   * chooseAvatar gives a temporary file; the service stores https URLs only. Upload the file to your
   * storage (wx.uploadFile to your backend, say) and resolve with its https URL; null keeps it local.
   */
  uploadAvatar: (_tempFilePath) => Promise.resolve(null),
}
