// Inspections on the phone: which checklists apply (the server's rule, shipped as data in each
// checklist's content: checklists/applicability.py), findings, hazards reported on site and
// 立查立改, and verifying a rectified hazard. Everything is written locally and synced later.
import { Q, all, create, newId, one, update } from './db.js'

const KIND = 'supervision'

/** Applicability.matches, as in checklists/model.py. */
function matches(rule, enterprise) {
  if (!rule) return true
  const features = JSON.parse(enterprise.risk_features || '[]')
  const industries = rule.industries || []
  const industry = enterprise.industry || ''
  if (industries.length && !industries.includes('*') &&
      !industries.some((w) => industry === w || industry.startsWith(`${w}.`))) return false
  if ((rule.scales || []).length && enterprise.scale && !rule.scales.includes(enterprise.scale)) return false
  if ((rule.kinds || []).length && !rule.kinds.includes(KIND)) return false
  return !(rule.risk_features || []).length || rule.risk_features.some((f) => features.includes(f))
}

/** The sections (with only their applicable items) of a checklist for this enterprise. */
export function sectionsFor(checklist, enterprise) {
  const content = JSON.parse(checklist.content)
  return content.sections
    .filter((s) => matches(s.applicability, enterprise))
    .map((s) => ({ ...s, items: s.items.filter((i) => matches(i.applicability, enterprise)) }))
    .filter((s) => s.items.length)
}

/** Current checklists that apply to the enterprise. */
export async function checklistsFor(enterprise) {
  const current = (await all('checklists')).filter((c) => c.is_current !== false)
  return current.filter((c) => matches(JSON.parse(c.content).applicability, enterprise) && sectionsFor(c, enterprise).length)
}

export const openHazards = (enterpriseId) =>
  all('hazards', Q.where('enterprise_id', String(enterpriseId)), Q.where('status', Q.notEq('closed')))

export async function start(enterprise, checklist) {
  const id = newId()
  await create('inspections', {
    id, enterprise_id: String(enterprise.id), checklist_id: checklist.id, kind: KIND,
    started_at: Date.now(), finished_at: null, status: 'in_progress',
  })
  return id
}

export const findings = (inspectionId) => all('findings', Q.where('inspection_id', inspectionId))

/** Record (or change) the finding of one item. */
export async function setFinding(inspectionId, itemCode, fields) {
  const [existing] = await all('findings', Q.where('inspection_id', inspectionId), Q.where('item_code', itemCode))
  if (existing) {
    await update('findings', existing.id, fields)
    return existing.id
  }
  const id = newId()
  await create('findings', { id, inspection_id: inspectionId, item_code: itemCode, result: 'pass', note: '', grade: null, due_on: null, ...fields })
  return id
}

/** The weighted share of applicable items passed, as 0–100 (不适用 left out). */
export function score(sections, found) {
  const weight = Object.fromEntries(sections.flatMap((s) => s.items.map((i) => [i.code, i.weight ?? 1])))
  let total = 0
  let passed = 0
  for (const f of found) {
    if (f.result === 'na' || !(f.item_code in weight)) continue
    total += weight[f.item_code]
    if (f.result === 'pass') passed += weight[f.item_code]
  }
  return total ? Math.round((passed / total) * 1000) / 10 : null
}

export async function finish(inspectionId, value) {
  await update('inspections', inspectionId, { finished_at: Date.now(), status: 'finished', score: value })
}

/** A hazard found outside the checklist; 立查立改 when fixed with after-photos. */
export async function reportHazard(enterpriseId, fields) {
  const id = newId()
  await create('hazards', {
    id, enterprise_id: String(enterpriseId), title: fields.title, description: fields.description || '',
    location: fields.location || '', grade: fields.grade || 'general',
    due_on: fields.fixedOnSpot ? null : fields.dueOn, status: fields.fixedOnSpot ? 'closed' : 'reported',
    fixed_on_spot: Boolean(fields.fixedOnSpot), photos: JSON.stringify(fields.photos || []),
    after_photos: JSON.stringify(fields.afterPhotos || []), reported_at: Date.now(),
  })
  return id
}

/** Verify (close) or reject a rectified hazard, with a note. The hazard itself changes on the
 * server, which sends its new state back (a pushed hazard update would be refused). */
export async function decide(hazardId, action, note) {
  const id = newId()
  await create('hazard_actions', { id, hazard_id: hazardId, action, note, created_at: Date.now() })
  return id
}

/** The photos the enterprise sent with its rectification (its submit steps). */
export async function afterPhotos(hazardId) {
  const submits = (await all('hazard_actions', Q.where('hazard_id', hazardId))).filter((a) => a.action === 'submit')
  if (!submits.length) return []
  return all('photos', Q.where('owner_table', 'hazard_actions'), Q.where('owner_id', Q.oneOf(submits.map((a) => a.id))))
}

/** The after-photos of every hazard awaiting verification, newest report first: what the
 * phone keeps for verifying offline. @returns {Promise<string[]>} their SHA-256 */
export async function afterPhotosAwaitingVerification() {
  const hazards = (await all('hazards', Q.where('status', 'submitted')))
    .sort((a, b) => (b.reported_at || 0) - (a.reported_at || 0))
  const shas = []
  for (const hazard of hazards) for (const p of await afterPhotos(hazard.id)) shas.push(p.sha256)
  return [...new Set(shas)]
}

export { one }
