// The inspector's app: screens and routing (#/today, #/scan, #/e/<id>, #/i/<id>, #/h/<id>, #/outbox).
import { forget, logIn, token, user } from './api.js'
import { Q, all, one } from './db.js'
import { SYNCED, claimFor, stillWaiting, wipe } from './device.js'
import * as docs from './documents.js'
import * as insp from './inspection.js'
import { byDistance, formatDistance, here } from './nearby.js'
import * as patrol from './patrol.js'
import { pendingShas, photoUrl, takePhoto, uploadAll } from './photos.js'
import { LEVELS, registersBesideItems, riskPointsOf } from './registers.js'
import { decodeFile, enterpriseFor, scanCamera } from './scan.js'
import { sync, waiting } from './sync.js'
import { COLOURS, GRADES, RESULTS, STATUSES, h, inDays, show, toast, today } from './ui.js'

let stopCamera = null
let recording = null // the patrol being recorded while its screen is open

const isGridWorker = () => user()?.role === 'grid_worker'

function nav() {
  const link = (href, text) => h('a', { href }, text)
  if (isGridWorker()) {
    return h('nav.tabs', {}, link('#/patrol', '巡查'), link('#/outbox', '待同步'),
      h('button.sync', { id: 'sync-button', onclick: () => runSync() }, '同步'))
  }
  return h('nav.tabs', {}, link('#/today', '今日'), link('#/scan', '扫码'), link('#/outbox', '待同步'),
    h('button.sync', { id: 'sync-button', onclick: () => runSync() }, '同步'))
}

function page(title, ...body) {
  show(h('header', {}, h('h1', {}, title), h('span.net', { id: 'net' }, navigator.onLine ? '在线' : '离线')), nav(), ...body)
}

async function runSync() {
  if (!navigator.onLine) return toast('当前离线，联网后自动同步')
  const status = document.getElementById('sync-status')
  uploadAll() // photos need no record first: the server takes bytes before or after
  try {
    await sync((p) => { if (status) status.textContent = `${p.phase}${p.detail ? ` ${p.detail}` : ''}` })
    await uploadAll()
    localStorage.setItem(SYNCED, String(Date.now()))
    toast('同步完成')
    if (!recording) route() // a patrol's form being filled stays as it is
  } catch (error) {
    if (error.status === 401) { forget(); return route() }
    toast(`同步失败：${error.message}`)
  }
}

function loginScreen() {
  const username = h('input', { id: 'username', autocomplete: 'username' })
  const password = h('input', { id: 'password', type: 'password', autocomplete: 'current-password' })
  const message = h('p.error')
  const submit = async (event) => {
    event.preventDefault()
    try {
      const refused = await claimFor(await logIn(username.value, password.value))
      if (refused) {
        forget()
        message.textContent = refused
        return
      }
      firstSync()
    } catch (error) {
      message.textContent = error.status === 401 || error.status === 422 ? '用户名或密码错误' : `登录失败：${error.message}`
    }
  }
  show(h('form.login', { onsubmit: submit }, h('h1', {}, '巡查'), h('label', {}, '用户名', username),
    h('label', {}, '密码', password), message, h('button', { type: 'submit' }, '登录')))
}

async function firstSync() {
  const status = h('p', { id: 'sync-status' }, '准备同步…')
  show(h('section.first-sync', {}, h('h1', {}, '首次同步'), h('p', {}, '正在把辖区的企业、检查表和隐患下载到手机，完成后可离线使用。'), status))
  try {
    await sync((p) => { status.textContent = `${p.phase}${p.detail ? ` ${p.detail}` : ''}` })
    localStorage.setItem(SYNCED, String(Date.now()))
    location.hash = isGridWorker() ? '#/patrol' : '#/today'
    route()
  } catch (error) {
    status.textContent = `同步失败：${error.message}`
  }
}

async function todayScreen() {
  const plans = (await all('inspection_plans')).sort((a, b) => (a.due_on > b.due_on ? 1 : -1))
  const enterprises = await all('enterprises')
  const byId = Object.fromEntries(enterprises.map((e) => [e.id, e]))
  const toVerify = await all('hazards', Q.where('status', 'submitted'))
  const titles = Object.fromEntries((await all('checklists')).map((c) => [c.code, c.title]))
  const list = h('ul.list', { id: 'enterprise-list' })
  const search = h('input', { id: 'search', placeholder: '搜索企业名称或信用代码', type: 'search' })
  const fill = () => {
    const q = search.value.trim()
    list.replaceChildren(...enterprises.filter((e) => !q || e.name.includes(q) || (e.uscc || '').includes(q)).slice(0, 50)
      .map((e) => h('li', {}, h('a', { href: `#/e/${e.id}` }, h('span', { class: `dot ${e.safety_code_color}` }), e.name))))
  }
  search.addEventListener('input', fill)
  fill()
  const nearby = nearbySection(enterprises)
  page('今日',
    h('p.muted', { id: 'sync-status' }, `上次同步：${new Date(Number(localStorage.getItem(SYNCED) || 0)).toLocaleString('zh-CN')}`),
    h('h2', {}, `待检查计划（${plans.length}）`),
    h('ul.list', {}, plans.map((p) => h('li', {}, h('a', { href: `#/e/${p.enterprise_id}` }, `${byId[p.enterprise_id]?.name || p.enterprise_id}`, h('small', { class: 'plan-checklist' }, ` ${titles[p.checklist_code] || p.checklist_code} · ${p.due_on} 前`))))),
    h('h2', {}, `待核验隐患（${toVerify.length}）`),
    h('ul.list', { id: 'to-verify' }, toVerify.map((z) => h('li', {}, h('a', { href: `#/h/${z.id}` }, z.title, h('small', {}, ` ${byId[z.enterprise_id]?.name || ''}`))))),
    nearby, h('h2', {}, '企业'), search, list)
}

const NEARBY_SHOWN = 10

/** 附近企业: filled once the phone knows where it is; without a position, it says why. */
function nearbySection(enterprises) {
  const status = h('p.muted', { id: 'nearby-status' }, '正在定位…')
  const list = h('ul.list', { id: 'nearby-list' })
  here().then((position) => {
    status.textContent = ''
    list.replaceChildren(...byDistance(enterprises, position).slice(0, NEARBY_SHOWN).map((e) => h('li', {},
      h('a', { href: `#/e/${e.id}` }, h('span', { class: `dot ${e.safety_code_color}` }), e.name,
        h('small.distance', {}, e.distance === null ? ' 位置未知' : ` ${formatDistance(e.distance)}`)))))
  }, (error) => {
    status.textContent = `无法获取当前位置（${error.message}），请用下方搜索查找企业。`
  })
  return h('section', { id: 'nearby' }, h('h2', {}, '附近企业'), status, list)
}

function scanScreen() {
  const video = h('video', { playsinline: true, muted: true })
  const result = h('p', { id: 'scan-result' })
  const found = async (text) => {
    const enterprise = await enterpriseFor(text)
    if (enterprise) location.hash = `#/e/${enterprise.id}`
    else result.textContent = '未找到该企业：码不属于您的辖区，或已更换，请同步后再试。'
  }
  const file = h('input', { type: 'file', accept: 'image/*', id: 'scan-file', onchange: async () => {
    const text = await decodeFile(file.files[0])
    if (text) found(text)
    else result.textContent = '照片中没有识别到二维码，请靠近重拍。'
  } })
  const camera = h('button', { id: 'scan-camera', onclick: async () => {
    try { stopCamera = await scanCamera(video, found) } catch { result.textContent = '无法打开摄像头，请用下方“选择照片”。' }
  } }, '打开摄像头扫码')
  page('扫常安码', camera, video, h('label.file', {}, '或选择常安码照片', file), result)
}

async function enterpriseScreen(id) {
  const e = await one('enterprises', id)
  if (!e) return page('企业', h('p', {}, '手机上没有这家企业。'))
  const hazards = await insp.openHazards(id)
  const lists = await insp.checklistsFor(e)
  page(e.name,
    h('p', {}, h('span', { class: `badge ${e.safety_code_color}`, id: 'colour' }, COLOURS[e.safety_code_color] || '')),
    h('p.muted', {}, e.address || '', h('br'), `负责人：${e.principal_name || '—'} ${e.principal_phone || ''}`, h('br'), `安全管理：${e.safety_manager_name || '—'} ${e.safety_manager_phone || ''}`),
    h('h2', {}, `未销号隐患（${hazards.length}）`),
    h('ul.list', { id: 'open-hazards' }, hazards.map((z) => h('li', {}, h('a', { href: `#/h/${z.id}` }, z.title, h('small', {}, ` ${STATUSES[z.status] || z.status} · ${z.due_on || ''}`))))),
    h('h2', {}, '适用检查表'),
    h('ul.list', { id: 'checklists' }, lists.map((c) => h('li', {}, h('button', { onclick: async () => { location.hash = `#/i/${await insp.start(e, c)}` } }, `开始：${c.title}`)))),
    h('h2', {}, '检查表外的隐患'), hazardForm(e),
    await documentsSection(id), await accidentsSection(id))
}

const names = (json) => JSON.parse(json || '[]').join('、')

/** The enforcement documents pulled for this enterprise, read-only. */
async function documentsSection(enterpriseId) {
  const { orders, reviews, penalties } = await docs.documentsOf(enterpriseId)
  const items = (json) => JSON.parse(json || '[]')
  return h('section', { id: 'documents' }, h('h2', {}, `执法文书（${orders.length + reviews.length + penalties.length}）`),
    h('ul.list', { id: 'orders' }, orders.map((o) => h('li', {}, h('strong', {}, `责令限期整改指令书 ${docs.numberOf(o)}`),
      h('small', {}, ` ${o.issued_on || ''} · 执法人员：${names(o.official_names)} · 整改事项 ${items(o.items).length} 项`)))),
    h('ul.list', { id: 'reviews' }, reviews.map((r) => h('li', {}, h('strong', {}, `整改复查意见书 ${r.number || ''}`),
      h('small', {}, ` ${r.reviewed_on || ''} · 已整改 ${items(r.items).filter((i) => i.rectified).length}/${items(r.items).length} 项`)))),
    h('ul.list', { id: 'penalties' }, penalties.map((d) => h('li', {}, h('strong', {}, `行政处罚决定书 ${d.number || ''}`),
      h('small', {}, ` ${d.decided_on || ''} · ${d.amount_fen ? `罚款 ${(d.amount_fen / 100).toFixed(2)} 元` : ''}`)))))
}

const ACCIDENT_LEVELS = { general: '一般事故', larger: '较大事故', major: '重大事故', especially_major: '特别重大事故' }

/** The enterprise's accidents, pulled to officials' phones only, read-only. */
async function accidentsSection(enterpriseId) {
  const accidents = await docs.accidentsOf(enterpriseId)
  if (!accidents.length) return null
  return h('section', { id: 'accidents' }, h('h2', {}, `生产安全事故（${accidents.length}）`),
    h('ul.list', {}, accidents.map((a) => h('li', {}, `${new Date(a.occurred_at).toLocaleDateString('zh-CN')} ${ACCIDENT_LEVELS[a.level] || ''}`,
      h('small', {}, ` 死亡 ${a.deaths || 0} 人，重伤 ${a.serious_injuries || 0} 人 · ${a.summary || ''}`)))))
}

/** The 责令限期整改指令书 of a finished inspection with failed items: made here, numbered by the
 * server on the next sync (「待编号」 until then). */
async function orderSection(inspection, failed) {
  const box = h('section.card', { id: 'order' })
  const existing = await docs.orderOf(inspection.id)
  if (existing) {
    box.append(h('h2', {}, '责令限期整改指令书'), h('p', { id: 'order-number' }, docs.numberOf(existing)),
      h('p.muted', {}, `执法人员：${names(existing.official_names)}`))
    return box
  }
  if (!failed) return null
  const me = user() || {}
  const first = h('input', { id: 'official-1', value: me.display_name || me.username || '' })
  const second = h('input', { id: 'official-2', placeholder: '同行执法人员姓名' })
  const issue = async () => {
    const officials = [first.value.trim(), second.value.trim()].filter(Boolean)
    if (officials.length < 2) return toast('指令书需两名执法人员签名')
    await docs.issueOrder(inspection, officials)
    toast('指令书已开具，待同步编号')
    box.replaceWith(await orderSection(inspection, failed))
  }
  box.append(h('h2', {}, '责令限期整改指令书'), h('p.muted', {}, `列明本次检查不合格的 ${failed} 项，编号在同步后由系统分配。`),
    h('label', {}, '执法人员', first), h('label', {}, '执法人员', second),
    h('button.primary', { id: 'issue-order', onclick: issue }, '开具指令书'))
  return box
}

function photoInput(label, onFiles) {
  const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', multiple: true })
  input.addEventListener('change', () => onFiles([...input.files]))
  return h('label.file', {}, label, input)
}

function hazardForm(e) {
  const title = h('input', { name: 'title', placeholder: '隐患描述' })
  const location_ = h('input', { name: 'location', placeholder: '隐患部位' })
  const grade = h('select', { name: 'grade' }, h('option', { value: 'general' }, '一般隐患'), h('option', { value: 'major' }, '重大隐患'))
  const due = h('input', { type: 'date', name: 'due_on', value: inDays(15) })
  const spot = h('input', { type: 'checkbox', name: 'fixed_on_spot' })
  const before = []
  const after = []
  const counts = h('small', {}, '')
  const recount = () => { counts.textContent = `整改前照片 ${before.length} 张，整改后照片 ${after.length} 张` }
  const add = (list) => async (files) => { for (const f of files) list.push(await takePhoto(f)); recount() }
  const submit = async (event) => {
    event.preventDefault()
    if (!title.value.trim()) return toast('请填写隐患描述')
    if (spot.checked && (!before.length || !after.length)) return toast('立查立改需要整改前后的照片')
    await insp.reportHazard(e.id, { title: title.value.trim(), location: location_.value, grade: grade.value, dueOn: due.value, fixedOnSpot: spot.checked, photos: before, afterPhotos: after })
    toast(spot.checked ? '已立查立改，待同步' : '隐患已登记，待同步')
    route()
  }
  return h('form.card', { id: 'hazard-form', onsubmit: submit }, title, location_, grade, h('label', {}, '整改期限', due),
    photoInput('整改前照片', add(before)), h('label.check', {}, spot, '立查立改（当场整改）'), photoInput('整改后照片', add(after)), counts,
    h('button', { type: 'submit' }, '登记隐患'))
}

async function inspectionScreen(id) {
  const inspection = await one('inspections', id)
  const enterprise = await one('enterprises', inspection.enterprise_id)
  const checklist = await one('checklists', inspection.checklist_id)
  const sections = insp.sectionsFor(checklist, enterprise)
  const found = Object.fromEntries((await insp.findings(id)).map((f) => [f.item_code, f]))
  const registers = await registersBesideItems(checklist, enterprise.id)
  const points = await riskPointsOf(enterprise.id)
  const registerLines = (code) => (registers[code] || []).map((r) =>
    h('p', { class: `register ${r.summary.flagged ? 'flagged' : ''}`, 'data-kind': r.kind }, h('small', {}, `${r.label}：${r.summary.line}`)))
  const pointChoice = (code, f) => points.length ? h('select', { class: 'risk-point', onchange: (ev) => insp.setFinding(id, code, { risk_point_id: ev.target.value || null }) },
    h('option', { value: '' }, '关联风险点（可选）'),
    points.map((p) => h('option', { value: p.id, selected: f.risk_point_id === p.id }, `${LEVELS[p.level] || ''} ${p.name}${p.location ? ` · ${p.location}` : ''}`))) : null
  const item = (it) => {
    const f = found[it.code] || {}
    const note = h('input', { placeholder: '说明', value: f.note || '', onchange: () => insp.setFinding(id, it.code, { note: note.value }) })
    const extra = h('div.fail', { hidden: f.result !== 'fail' },
      h('select', { onchange: (ev) => insp.setFinding(id, it.code, { grade: ev.target.value }) }, h('option', { value: 'general' }, GRADES.general), h('option', { value: 'major', selected: f.grade === 'major' }, GRADES.major)),
      h('input', { type: 'date', value: f.due_on || inDays(it.rectification_days || 15), onchange: (ev) => insp.setFinding(id, it.code, { due_on: ev.target.value }) }),
      pointChoice(it.code, f))
    const buttons = Object.entries(RESULTS).map(([result, text]) => h('button', {
      class: `result ${f.result === result ? 'on' : ''}`, 'data-result': result,
      onclick: async () => {
        const fields = { result, note: note.value }
        if (result === 'fail') Object.assign(fields, { grade: it.major_if_failed ? 'major' : 'general', due_on: inDays(it.rectification_days || 15) })
        found[it.code] = { ...f, ...fields, id: await insp.setFinding(id, it.code, fields) }
        buttons.forEach((b) => b.classList.toggle('on', b.dataset.result === result))
        extra.hidden = result !== 'fail'
      },
    }, text))
    const photo = photoInput('拍照', async (files) => {
      const findingId = found[it.code]?.id || await insp.setFinding(id, it.code, { result: 'fail' })
      for (const file of files) await takePhoto(file, 'findings', findingId)
      toast('照片已保存')
    })
    return h('li.item', { 'data-code': it.code }, h('p', {}, `${it.code} ${it.text}`), registerLines(it.code), h('div.results', {}, buttons), note, extra, photo)
  }
  const finish = async () => {
    const all_ = await insp.findings(id)
    const needed = sections.flatMap((s) => s.items).length
    if (all_.length < needed) return toast(`还有 ${needed - all_.length} 项未检查`)
    const value = insp.score(sections, all_)
    await insp.finish(id, value)
    const failed = all_.filter((x) => x.result === 'fail').length
    page('检查完成', h('p.score', { id: 'score' }, `得分：${value ?? '—'}`), h('p', {}, `不合格 ${failed} 项，将在同步后生成隐患。`),
      await orderSection(inspection, failed), h('a', { href: `#/e/${enterprise.id}` }, '返回企业'))
  }
  const failedCount = Object.values(found).filter((f) => f.result === 'fail').length
  page(checklist.title, h('p.muted', {}, enterprise.name),
    sections.map((s) => h('section', {}, h('h2', {}, s.title), h('ul.items', {}, s.items.map(item)))),
    inspection.finished_at ? [h('p', {}, '已完成'), await orderSection(inspection, failedCount)] : h('button.primary', { id: 'finish', onclick: finish }, '完成检查'))
}

async function hazardScreen(id) {
  const z = await one('hazards', id)
  if (!z) return page('隐患', h('p', {}, '手机上没有这条隐患。'))
  const photos = await insp.afterPhotos(id)
  const gallery = h('div.photos', { id: 'after-photos' })
  for (const p of photos) photoUrl(p.sha256).then((url) => url && gallery.append(h('img', { src: url, alt: '整改照片' })))
  const note = h('textarea', { id: 'decision-note', placeholder: '核验意见' })
  const decide = (action) => async () => {
    if (action === 'reject' && !note.value.trim()) return toast('驳回请填写意见')
    await insp.decide(id, action, note.value.trim())
    toast(action === 'verify' ? '已核验销号，待同步' : '已驳回，待同步')
    location.hash = '#/today'
  }
  const pending = (await all('hazard_actions', Q.where('hazard_id', id))).some((a) => a._status === 'created')
  page(z.title, h('p', {}, `${GRADES[z.grade] || ''} · ${STATUSES[z.status] || z.status} · 期限 ${z.due_on || ''}`),
    h('p.muted', {}, z.description || '', z.stop_work_order ? ' · 责令停产停业整改' : '', z.listed_for_supervision ? ' · 挂牌督办' : ''),
    h('h2', {}, '整改后照片'), gallery,
    z.status === 'submitted' && !pending ? h('div.card', {}, note, h('button.primary', { id: 'verify', onclick: decide('verify') }, '核验通过，销号'), h('button', { id: 'reject', onclick: decide('reject') }, '驳回，返工整改')) : h('p', {}, pending ? '已处理，待同步' : ''))
}

async function outboxScreen() {
  const records = await waiting()
  const rejections = await all('sync_rejections')
  const photos = await pendingShas()
  const names = { inspections: '检查', findings: '检查结果', hazards: '隐患', photos: '照片记录', hazard_actions: '隐患处理', rectification_orders: '整改指令书', patrols: '巡查记录' }
  page('待同步',
    h('p', { id: 'sync-status' }, navigator.onLine ? '在线' : '离线：联网后自动同步'),
    h('h2', {}, `等待上传（${records.length}）`),
    h('ul.list', { id: 'waiting' }, records.map((r) => h('li', {}, `${names[r.table]} ${r.raw.title || r.raw.item_code || ''}`))),
    h('p', { id: 'photos-waiting' }, `照片待上传：${photos.length} 张`),
    h('h2', {}, `被服务器拒绝（${rejections.length}）`),
    h('ul.list', { id: 'rejected' }, rejections.map((r) => h('li', {}, h('strong', {}, r.message || '服务器拒绝了此记录'), h('br'), h('small', {}, `${names[r.table_name] || r.table_name} ${r.record_id}：${r.reason}`)))),
    h('button', { id: 'log-out', onclick: logOut }, '退出登录'))
}

/** Logging out takes the user's records off the phone, once the server has them all. */
async function logOut() {
  const left = await stillWaiting()
  if (left) {
    toast(`还有 ${left} 条记录或照片未同步，请先同步后再退出登录。`)
    return
  }
  await wipe()
  forget()
  route()
}

async function patrolScreen() {
  const enterprises = (await all('enterprises')).sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'))
  const logs = await patrol.patrols()
  const history = h('section', {}, h('h2', {}, `巡查记录（${logs.length}）`),
    h('ul.list', { id: 'patrols' }, logs.map((p) => h('li', {}, `${p.patrol_date} 走访 ${JSON.parse(p.enterprise_ids || '[]').length} 家`,
      h('small', {}, ` 轨迹 ${JSON.parse(p.route || '[]').length} 点 · ${p._status === 'synced' ? '已同步' : '待同步'}`)))))
  if (!recording) {
    const start = h('button.primary', { id: 'start-patrol', onclick: () => { recording = patrol.startPatrol(); route() } }, '开始巡查')
    return page('巡查', h('p.muted', {}, `本网格企业 ${enterprises.length} 家`), start, history)
  }
  const points = h('p', { id: 'gps-points' }, `已记录轨迹 ${recording.route.length} 点`)
  if (!recording.timer) patrol.watchPosition(recording, () => { points.textContent = `已记录轨迹 ${recording.route.length} 点` })
  const places = h('textarea', { id: 'places', placeholder: '巡查地点，每行一个' })
  const visited = enterprises.map((e) => h('label.check', {}, h('input', { type: 'checkbox', name: 'visited', value: e.id }), e.name))
  const observations = h('textarea', { id: 'observations', placeholder: '巡查情况' })
  const hazards = []
  const hazardList = h('ul.list', { id: 'patrol-hazards' })
  const hTitle = h('input', { id: 'patrol-hazard-title', placeholder: '发现的隐患' })
  const hEnterprise = h('select', { id: 'patrol-hazard-enterprise' }, enterprises.map((e) => h('option', { value: e.id }, e.name)))
  const addHazard = () => {
    if (!hTitle.value.trim()) return toast('请填写隐患描述')
    hazards.push({ enterprise_id: hEnterprise.value, title: hTitle.value.trim(), grade: 'general', due_on: inDays(15) })
    hazardList.append(h('li', {}, hTitle.value.trim()))
    hTitle.value = ''
  }
  const save = async () => {
    const enterpriseIds = visited.map((l) => l.querySelector('input')).filter((c) => c.checked).map((c) => c.value)
    await patrol.savePatrol(recording, {
      places: places.value.split('\n').map((x) => x.trim()).filter(Boolean), enterpriseIds,
      observations: observations.value.trim(), hazards,
    })
    recording = null
    toast('巡查记录已保存，待同步')
    route()
  }
  page('巡查中', points, h('label', {}, '地点', places), h('h2', {}, '走访企业'), h('div', { id: 'visited' }, visited),
    h('label', {}, '巡查情况', observations), h('h2', {}, '发现隐患'), hEnterprise, hTitle,
    h('button', { id: 'add-patrol-hazard', onclick: addHazard }, '添加隐患'), hazardList,
    h('button.primary', { id: 'save-patrol', onclick: save }, '结束巡查并保存'), history)
}

async function route() {
  if (stopCamera) { stopCamera(); stopCamera = null }
  if (!token()) return loginScreen()
  if (!localStorage.getItem(SYNCED)) return firstSync()
  const [, screen, id] = location.hash.split('/')
  if (recording && screen !== 'patrol') patrol.stopWatching(recording) // GPS only while the screen is open
  if (isGridWorker()) return (screen === 'outbox' ? outboxScreen : patrolScreen)(id)
  const screens = { scan: scanScreen, e: enterpriseScreen, i: inspectionScreen, h: hazardScreen, outbox: outboxScreen }
  await (screens[screen] || todayScreen)(id)
}

window.addEventListener('hashchange', route)
window.addEventListener('online', () => runSync())
window.addEventListener('offline', () => { const n = document.getElementById('net'); if (n) n.textContent = '离线' })
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => {})
const syncIfOnline = () => { if (navigator.onLine && token() && localStorage.getItem(SYNCED)) runSync() }
setInterval(syncIfOnline, 5 * 60e3)
route().then(syncIfOnline)
export { user }
