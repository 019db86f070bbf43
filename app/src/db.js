// The device's WatermelonDB database (LokiJS over IndexedDB): docs/sync.md "Sync schema v2".
import { Database, Model, Q, appSchema, tableSchema } from '@nozbe/watermelondb'
import LokiJSAdapter from '@nozbe/watermelondb/adapters/lokijs'

export const SCHEMA_VERSION = 2

const s = (name, extra = {}) => ({ name, type: 'string', isOptional: true, ...extra })
const n = (name) => ({ name, type: 'number', isOptional: true })
const b = (name) => ({ name, type: 'boolean', isOptional: true })
const ref = (name) => s(name, { isIndexed: true })

const TABLES = {
  enterprises: [s('name'), s('uscc'), s('address'), s('industry'), s('scale'), ref('jurisdiction_id'),
    s('risk_class'), s('standardisation_grade'), s('safety_code_color'), ref('safety_code_sha256'),
    s('risk_features'), n('employee_count'), s('principal_name'), s('principal_phone'),
    s('safety_manager_name'), s('safety_manager_phone')],
  checklists: [s('code', { isIndexed: true }), s('title'), s('version'), s('content'), b('is_current')],
  hazards: [ref('enterprise_id'), s('finding_id'), s('inspection_id'), s('item_code'), s('title'),
    s('description'), s('location'), s('grade'), s('status'), s('due_on'), b('self_reported'),
    b('closed_by_enterprise'), b('fixed_on_spot'), b('stop_work_order'), b('listed_for_supervision'),
    s('plan'), s('photos'), s('after_photos'), n('reported_at'), n('updated_at')],
  inspection_plans: [ref('enterprise_id'), s('checklist_code'), s('due_on'), s('status'),
    s('class_code'), s('jurisdiction_id'), n('updated_at')],
  inspections: [ref('enterprise_id'), s('checklist_id'), s('kind'), n('started_at'), n('finished_at'),
    n('latitude'), n('longitude'), s('status'), n('score')],
  findings: [ref('inspection_id'), s('item_code'), s('result'), s('note'), s('grade'), s('due_on')],
  hazard_actions: [ref('hazard_id'), s('action'), s('note'), s('due_on'), n('created_at'),
    s('from_status'), s('to_status'), s('actor_role'), n('received_at')],
  photos: [s('sha256', { isIndexed: true }), s('owner_table'), ref('owner_id'), n('taken_at'),
    n('latitude'), n('longitude')],
  sync_rejections: [s('table_name'), s('record_id'), s('reason'), s('message'), n('created_at')],
}

export const schema = appSchema({
  version: SCHEMA_VERSION,
  tables: Object.entries(TABLES).map(([name, columns]) => tableSchema({ name, columns })),
})

const modelClasses = Object.keys(TABLES).map((table) => {
  const M = class extends Model {}
  M.table = table
  return M
})

export const database = new Database({
  adapter: new LokiJSAdapter({
    schema,
    dbName: 'xuncha',
    useWebWorker: false,
    useIncrementalIndexedDB: true,
    onSetUpError: (error) => console.error('database set-up failed', error),
  }),
  modelClasses,
})

export { Q }

/**
 * Write the in-memory database to IndexedDB now. Loki otherwise saves every 500 ms, and a
 * page closed or reloaded in between would lose what the inspector just recorded.
 */
export function persist() {
  const loki = database.adapter.underlyingAdapter._driver?.loki
  if (!loki) return Promise.resolve()
  return new Promise((resolve) => loki.saveDatabase(() => resolve()))
}

/** A new record id (devices choose the ids of what they create). */
export const newId = () => `${Date.now().toString(36)}${crypto.getRandomValues(new Uint32Array(2)).join('')}`.slice(0, 40)

/** @param {string} table @param {...any} conditions @returns {Promise<object[]>} raw records */
export async function all(table, ...conditions) {
  const records = await database.get(table).query(...conditions).fetch()
  return records.map((r) => r._raw)
}

/** @param {string} table @param {string} id */
export async function one(table, id) {
  try {
    return (await database.get(table).find(id))._raw
  } catch {
    return null
  }
}

/** Create a record with these columns (and its id). @param {string} table @param {object} fields */
export async function create(table, fields) {
  await database.write(() =>
    database.get(table).create((r) => {
      r._raw.id = fields.id
      for (const [k, v] of Object.entries(fields)) if (k !== 'id') r._setRaw(k, v)
    }),
  )
  await persist()
  return fields
}

/** @param {string} table @param {string} id @param {object} fields */
export async function update(table, id, fields) {
  const record = await database.get(table).find(id)
  await database.write(() => record.update((r) => {
    for (const [k, v] of Object.entries(fields)) r._setRaw(k, v)
  }))
  await persist()
}
