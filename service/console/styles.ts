// The admin console's one stylesheet, served as /admin/assets/console.css (CSP: no inline style). System
// fonts, no web font or CDN; one column at 375 px, the navigation beside the content from 900 px.
export const consoleCss = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#1b1f24;background:#f5f6f8}
a{color:#0b57d0}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,[tabindex]:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem}
.skip:focus{left:.5rem;z-index:2}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.75rem 1rem;background:#13294b;color:#fff}
header.top .brand{font-weight:600;margin-right:auto}
header.top .brand small{display:block;font-weight:400;color:#c9d4e5;font-size:.8rem}
header.top a{color:#fff}
header.top form{margin:0}
.shell{display:block}
nav.side ul{list-style:none;margin:0;padding:.5rem;display:flex;flex-wrap:wrap;gap:.25rem;background:#fff;border-bottom:1px solid #dde1e6}
nav.side a{display:block;padding:.4rem .7rem;border-radius:6px;text-decoration:none;color:#1b1f24}
nav.side a[aria-current=page]{background:#e3ecfb;color:#0b3d91;font-weight:600}
main{padding:1rem;max-width:72rem}
h1{font-size:1.4rem;margin:.25rem 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:1rem;margin-bottom:1rem}
.card>:first-child,.card>.signin>:first-child{margin-top:0}
.card>:last-child{margin-bottom:0}
main{min-width:0}
.notice{background:#e7f4ea;border:1px solid #9cd3a8;border-radius:8px;padding:.6rem 1rem;margin-bottom:1rem}
.error{background:#fdecec;border:1px solid #f0a8a8;border-radius:8px;padding:.6rem 1rem;margin-bottom:1rem}
.muted{color:#57606a}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
form.inline{display:inline}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
.row label{display:flex;flex-direction:column;gap:.2rem;font-size:.85rem;color:#3d444d;flex:1 1 10rem}
input,select{font:inherit;padding:.45rem .6rem;border:1px solid #8c959f;border-radius:6px;background:#fff;color:#1b1f24;min-height:2.4rem;width:100%}
button,.button{font:inherit;padding:.45rem .9rem;border-radius:6px;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer;min-height:2.4rem;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:#0b57d0}
button.danger,.button.danger{background:#b3261e;border-color:#b3261e;color:#fff}
header.top button{background:transparent;border-color:#c9d4e5;color:#fff;min-height:2rem;padding:.2rem .7rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem}
.scroll{overflow-x:auto}
.scroll>table{min-width:44rem}
table{border-collapse:collapse;width:100%;background:#fff}
time,td>code:only-child{white-space:nowrap}
td>code.wrap{white-space:normal}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #e6e9ed;vertical-align:top}
th{font-size:.8rem;color:#3d444d;font-weight:600;white-space:nowrap}
dl.facts{display:grid;grid-template-columns:minmax(7rem,max-content) 1fr;gap:.3rem 1rem;margin:0}
dl.facts dt{color:#3d444d}
dl.facts dd{margin:0}
.badge{display:inline-block;padding:0 .5rem;border-radius:999px;font-size:.8rem;border:1px solid currentColor}
.badge.active,.badge.valid{color:#116329}
.badge.blocked,.badge.expired{color:#b3261e}
.badge.none,.badge.pending{color:#57606a}
.badge.delivered{color:#116329}
.badge.failed{color:#b3261e}
.signin{margin:0}
.stack{display:flex;flex-direction:column;gap:.5rem}
.stack label{font-size:.9rem;color:#3d444d}
main.narrow{margin:0 auto;max-width:30rem;padding-top:2rem}
@media (min-width:900px){
  .shell.with-nav{display:grid;grid-template-columns:13rem 1fr}
  nav.side ul{flex-direction:column;border-bottom:0;border-right:1px solid #dde1e6;min-height:calc(100vh - 3.5rem);padding:1rem .5rem}
  main{padding:1.5rem 2rem}
}
`
