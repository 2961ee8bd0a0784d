// The login page: the silent login's user, and phone login with the getPhoneNumber button. Built with
// Component() (WeChat's page-as-component form), so miniprogram-simulate renders it in tests.
Component({
  data: { user: null, error: '' },
  methods: {
    async onLoad() {
      try {
        this.setData({ user: await getApp().ready })
      } catch (err) {
        this.setData({ error: err.code || err.message })
      }
    },
    // event.detail holds a single-use code (or, on old base libraries, encryptedData and iv): one call per tap.
    async onPhone(event) {
      if (!event.detail.code && !event.detail.encryptedData) return // the user declined
      try {
        const { user } = await getApp().auth.loginByPhone(event.detail)
        this.setData({ user, error: '' })
      } catch (err) {
        this.setData({ error: err.code || err.message })
      }
    },
    toProfile() {
      wx.navigateTo({ url: '/pages/profile/profile' })
    },
  },
})
