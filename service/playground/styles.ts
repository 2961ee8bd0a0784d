// The playground's stylesheet: a phone-shaped column beside the server's view, one column below 900 px.
export const playgroundCss = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#1b1f24;background:#eef0f3}
header.top{padding:1rem 1.25rem;background:#13294b;color:#fff}
header.top h1{margin:0;font-size:1.25rem}
header.top p{margin:.25rem 0 0;color:#d5deeb;font-size:.9rem}
a{color:#0b57d0}
.layout{display:grid;gap:1.25rem;padding:1.25rem;grid-template-columns:1fr;max-width:72rem}
.phone{background:#fff;border:10px solid #1b1f24;border-radius:36px;padding:1.25rem 1rem;max-width:375px;width:100%;margin:0 auto;position:relative}
.notch{width:40%;height:18px;background:#1b1f24;border-radius:0 0 12px 12px;margin:-1.25rem auto 1rem}
.phone h2{margin:0 0 .75rem;font-size:1.05rem;text-align:center}
.field{display:flex;flex-direction:column;gap:.2rem;margin-bottom:.6rem}
label,legend{font-size:.85rem;color:#3d444d}
input,select{font:inherit;padding:.45rem .6rem;border:1px solid #8c959f;border-radius:6px;min-height:2.4rem;width:100%;background:#fff;color:#1b1f24}
fieldset{border:1px solid #dde1e6;border-radius:8px;margin:.75rem 0;padding:.5rem .75rem .75rem}
button{font:inherit;padding:.45rem .8rem;border-radius:6px;border:1px solid #0b57d0;background:#fff;color:#0b57d0;cursor:pointer;min-height:2.4rem}
button.primary{background:#05753b;border-color:#046530;color:#fff;width:100%;font-weight:600}
button.danger{border-color:#b3261e;color:#b3261e}
button:disabled{opacity:.6;cursor:progress}
button:focus-visible,input:focus-visible,select:focus-visible,a:focus-visible,pre:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.buttons{display:flex;flex-wrap:wrap;gap:.5rem}
.who{margin:.75rem 0;padding:.5rem .75rem;background:#f5f6f8;border-radius:8px;font-size:.9rem;word-break:break-all}
.server{min-width:0}
.server h2{margin:0 0 .75rem;font-size:1.05rem}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:.75rem 1rem;margin-bottom:1rem}
.card h3{margin:0 0 .5rem;font-size:.95rem}
pre{background:#f5f6f8;padding:.75rem;border-radius:6px;overflow:auto;max-height:18rem;font-size:.8rem;margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
#status[data-ok=false]{color:#b3261e;font-weight:600}
#status[data-ok=true]{color:#116329;font-weight:600}
.log{margin:0;padding-left:1.25rem;font-size:.85rem;max-height:12rem;overflow:auto}
@media (min-width:900px){.layout{grid-template-columns:400px 1fr;align-items:start}.phone{margin:0}}
`
