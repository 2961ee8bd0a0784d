// The profile page: WeChat's avatar and nickname fill components (头像昵称填写), saved with updateProfile.
Component({
  data: { avatar: '', nickname: '', saved: '', error: '' },
  methods: {
    async onLoad() {
      const user = await getApp().ready
      this.setData({ avatar: user.avatar || '', nickname: user.nickname || '' })
    },
    // detail.avatarUrl is a temporary file: shown at once, saved once uploaded to an https address.
    async onChooseAvatar(event) {
      const temp = event.detail.avatarUrl
      this.setData({ avatar: temp })
      const url = await getApp().config.uploadAvatar(temp)
      if (url) await this.save({ avatar: url })
    },
    // type="nickname" offers the WeChat nickname above the keyboard; blur is when the choice is final.
    async onNickname(event) {
      const nickname = (event.detail.value || '').trim()
      if (nickname) await this.save({ nickname })
    },
    async save(patch) {
      try {
        const user = await getApp().auth.updateProfile(patch)
        this.setData({
          saved: user.nickname || '',
          avatar: user.avatar || this.data.avatar,
          error: '',
        })
      } catch (err) {
        this.setData({ error: err.code || err.message })
      }
    },
  },
})
