// The registers beside checklist items (issue 18 item 5): each checklist names, per item, the
// register kinds it concerns (`registers`); their state for the enterprise is computed here from
// the pulled registers, mirroring backend/checklists/registers.py's summaries as far as the
// pulled data allows (the drill periods of key units stay on the server: their rule needs data
// the phone does not hold, so the phone shows the plans and the last drills).
import { Q, all } from './db.js'
import { today } from './ui.js'

/** CERTIFICATE_REMINDER_DAYS' default (training/services.py): counts as "expiring". */
const EXPIRING_DAYS = 30
const LEVELS = { major: '红', larger: '橙', general: '黄', low: '蓝' }

const ofEnterprise = (table, enterpriseId) => all(table, Q.where('enterprise_id', String(enterpriseId)))
const daysBetween = (from, to) => Math.round((Date.parse(to) - Date.parse(from)) / 86400e3)

async function riskPoints(enterpriseId) {
  const points = await ofEnterprise('risk_points', enterpriseId)
  const byLevel = Object.fromEntries(Object.keys(LEVELS).map((l) => [l, points.filter((p) => p.level === l).length]))
  const line = `风险点${points.length}个：${Object.entries(LEVELS).map(([l, word]) => `${word}${byLevel[l]}`).join(' ')}`
  return { total: points.length, by_level: byLevel, flagged: byLevel.major > 0, line }
}

async function hazardInstallations(enterpriseId) {
  const units = await ofEnterprise('hazard_installations', enterpriseId)
  const major = units.filter((u) => u.is_major)
  const now = today()
  const notFiled = major.filter((u) => u.filing_status === 'not_filed').length
  const overdue = major.filter((u) => u.evaluation_due_on && u.evaluation_due_on < now).length
  const notEvaluated = major.filter((u) => !u.evaluation_due_on).length
  const grades = [1, 2, 3, 4].map((g) => [g, major.filter((u) => u.grade === g).length]).filter(([, c]) => c)
  let line = `危险源单元${units.length}个，重大危险源${major.length}个`
  if (grades.length) line += `（${grades.map(([g, c]) => `${['', '一', '二', '三', '四'][g]}级${c}`).join('、')}）`
  if (notFiled) line += `；未备案${notFiled}`
  if (overdue) line += `；评估逾期${overdue}`
  if (notEvaluated) line += `；未评估${notEvaluated}`
  return { total: units.length, major: major.length, not_filed: notFiled, evaluation_overdue: overdue, not_evaluated: notEvaluated, flagged: Boolean(notFiled || overdue), line }
}

function certificateState(c, now) {
  if (c.valid_until < now) return 'expired'
  if (c.issued_on > now) return 'not_yet_valid'
  return daysBetween(now, c.valid_until) <= EXPIRING_DAYS ? 'expiring' : 'valid'
}

async function trainingRecords(enterpriseId) {
  const active = new Set((await ofEnterprise('enterprise_people', enterpriseId)).filter((p) => p.active !== false).map((p) => p.id))
  const now = today()
  const counts = { valid: 0, expiring: 0, expired: 0, not_yet_valid: 0 }
  for (const c of await ofEnterprise('certificates', enterpriseId)) if (active.has(c.person_id)) counts[certificateState(c, now)] += 1
  const sessions = (await ofEnterprise('training_sessions', enterpriseId)).length
  const line = `证书有效${counts.valid}、即将到期${counts.expiring}、已过期${counts.expired}；培训记录${sessions}次`
  return { certificates: counts, training_sessions: sessions, flagged: Boolean(counts.expired || counts.expiring), line }
}

async function drills(enterpriseId) {
  const plans = await ofEnterprise('emergency_plans', enterpriseId)
  const held = (await ofEnterprise('emergency_drills', enterpriseId)).map((d) => d.held_on).filter(Boolean).sort()
  const last = held[held.length - 1]
  const filed = plans.filter((p) => p.filing_status === 'filed').length
  const line = `预案${plans.length}项（已备案${filed}）；${last ? `最近演练 ${last}` : '无演练记录'}`
  return { plans: { filed, not_filed: plans.length - filed }, last_drill_on: last || null, flagged: !last, line }
}

/** The register kinds of backend/checklists/registers.py REGISTERS, with their labels. */
export const REGISTERS = {
  risk_points: { label: '风险点清单（风险分级管控）', summary: riskPoints },
  hazard_installations: { label: '危险化学品重大危险源', summary: hazardInstallations },
  training_records: { label: '安全生产教育和培训档案、持证上岗', summary: trainingRecords },
  drills: { label: '应急预案演练', summary: drills },
}

/** item code → [{kind, label, summary}] for one checklist and enterprise. */
export async function registersBesideItems(checklist, enterpriseId) {
  const items = JSON.parse(checklist.registers || '{}')
  const kinds = [...new Set(Object.values(items).flat())].filter((k) => k in REGISTERS)
  const summaries = {}
  for (const kind of kinds) summaries[kind] = { kind, label: REGISTERS[kind].label, summary: await REGISTERS[kind].summary(enterpriseId) }
  return Object.fromEntries(Object.entries(items).map(([item, ks]) => [item, ks.filter((k) => k in summaries).map((k) => summaries[k])]))
}

/** The risk points a failed item's finding may name. @param {string} enterpriseId */
export const riskPointsOf = (enterpriseId) => ofEnterprise('risk_points', enterpriseId)
export { LEVELS }
