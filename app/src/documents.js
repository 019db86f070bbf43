// Enforcement documents on the phone (issue 17): the 责令限期整改指令书 made on site with its
// inspection, numbered by the server when it receives it (a device never numbers: docs/sync.md),
// and the documents pulled back, read-only.
import { Q, all, create, newId } from './db.js'

export const PENDING_NUMBER = '待编号'

/** The order of an inspection, if one was made. @param {string} inspectionId */
export async function orderOf(inspectionId) {
  const [order] = await all('rectification_orders', Q.where('inspection_id', inspectionId))
  return order || null
}

/**
 * Make the order of a finished inspection, signed by these officials (two to four). The server
 * lists the failed items, numbers and dates it once the push arrives.
 * @param {object} inspection @param {string[]} officialNames
 */
export async function issueOrder(inspection, officialNames) {
  const id = newId()
  await create('rectification_orders', {
    id, inspection_id: inspection.id, enterprise_id: String(inspection.enterprise_id),
    official_names: JSON.stringify(officialNames), number: null, issued_on: null, items: '[]',
  })
  return id
}

/** Shown in place of the number until the server has numbered the order. */
export const numberOf = (document) => document.number || PENDING_NUMBER

/** An enterprise's documents held on the phone, newest first. @param {string} enterpriseId */
export async function documentsOf(enterpriseId) {
  const where = Q.where('enterprise_id', String(enterpriseId))
  const newest = (key) => (a, b) => String(b[key] || '~').localeCompare(String(a[key] || '~'))
  return {
    orders: (await all('rectification_orders', where)).sort(newest('issued_on')),
    reviews: (await all('review_opinions', where)).sort(newest('reviewed_on')),
    penalties: (await all('penalty_decisions', where)).sort(newest('decided_on')),
  }
}

/** An enterprise's accidents (officials' phones only), newest first. @param {string} enterpriseId */
export async function accidentsOf(enterpriseId) {
  return (await all('accidents', Q.where('enterprise_id', String(enterpriseId))))
    .sort((a, b) => (b.occurred_at || 0) - (a.occurred_at || 0))
}
