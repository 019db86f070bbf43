// Tiny DOM helpers: no framework, no inline styles or scripts (the page's CSP forbids them).

/** h('div.card', {onclick}, child, ...) */
export function h(tag, attrs = {}, ...children) {
  const [name, ...classes] = tag.split('.')
  const el = document.createElement(name)
  if (classes.length) el.className = classes.join(' ')
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v)
    else if (k === 'value') el.value = v
    else el.setAttribute(k, v === true ? '' : v)
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c)
  return el
}

export function show(...nodes) {
  const main = document.getElementById('main')
  main.replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined && n !== false))
  window.scrollTo(0, 0)
}

export function toast(text) {
  const el = document.getElementById('toast')
  el.textContent = text
  el.hidden = false
  clearTimeout(toast.timer)
  toast.timer = setTimeout(() => { el.hidden = true }, 3000)
}

export const COLOURS = { green: '绿码', yellow: '黄码', red: '红码' }
export const STATUSES = { reported: '已登记', rectifying: '整改中', submitted: '待复查', closed: '已销号' }
export const GRADES = { general: '一般隐患', major: '重大隐患' }
export const RESULTS = { pass: '合格', fail: '不合格', na: '不适用' }

export const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10)
export const inDays = (d) => new Date(Date.now() + 8 * 3600e3 + d * 86400e3).toISOString().slice(0, 10)
