// The device's WatermelonDB database (LokiJS over IndexedDB): docs/sync.md "Sync schema v3".
import { Database, Model, Q, appSchema, tableSchema } from '@nozbe/watermelondb'
import LokiJSAdapter from '@nozbe/watermelondb/adapters/lokijs'
import { addColumns, createTable, schemaMigrations } from '@nozbe/watermelondb/Schema/migrations'

/** The sync schema the server speaks (docs/sync.md), sent as `schema_version`. */
export const WIRE_SCHEMA_VERSION = 3
/** The phone's own database version: it grows by a migration step whenever the app keeps more
 * of what the server already sends (new tables or columns within the same wire version). */
export const SCHEMA_VERSION = 4
/** The first local version with migration syncs: a phone migrated past it pulls its whole scope
 * again (`migration` set), so the new tables and columns are filled. */
export const MIGRATIONS_ENABLED_AT = 2

const s = (name, extra = {}) => ({ name, type: 'string', isOptional: true, ...extra })
const n = (name) => ({ name, type: 'number', isOptional: true })
const b = (name) => ({ name, type: 'boolean', isOptional: true })
const ref = (name) => s(name, { isIndexed: true })

const TABLES = {
  enterprises: [s('name'), s('uscc'), s('address'), s('industry'), s('scale'), ref('jurisdiction_id'),
    s('risk_class'), s('standardisation_grade'), s('safety_code_color'), ref('safety_code_sha256'),
    s('risk_features'), n('employee_count'), s('principal_name'), s('principal_phone'),
    s('safety_manager_name'), s('safety_manager_phone')],
  checklists: [s('code', { isIndexed: true }), s('title'), s('version'), s('content'), b('is_current'), s('registers')],
  hazards: [ref('enterprise_id'), s('finding_id'), s('inspection_id'), s('item_code'), s('title'),
    s('description'), s('location'), s('grade'), s('status'), s('due_on'), b('self_reported'),
    b('closed_by_enterprise'), b('fixed_on_spot'), b('stop_work_order'), b('listed_for_supervision'),
    s('plan'), s('photos'), s('after_photos'), n('reported_at'), n('updated_at')],
  inspection_plans: [ref('enterprise_id'), s('checklist_code'), s('due_on'), s('status'),
    s('class_code'), s('jurisdiction_id'), n('updated_at')],
  inspections: [ref('enterprise_id'), s('checklist_id'), s('kind'), n('started_at'), n('finished_at'),
    n('latitude'), n('longitude'), s('status'), n('score')],
  findings: [ref('inspection_id'), s('item_code'), s('result'), s('note'), s('grade'), s('due_on'), s('risk_point_id')],
  hazard_actions: [ref('hazard_id'), s('action'), s('note'), s('due_on'), n('created_at'),
    s('from_status'), s('to_status'), s('actor_role'), n('received_at')],
  photos: [s('sha256', { isIndexed: true }), s('owner_table'), ref('owner_id'), n('taken_at'),
    n('latitude'), n('longitude')],
  sync_rejections: [s('table_name'), s('record_id'), s('reason'), s('message'), n('created_at')],
}

// Version 3: what the server already sent in v2 and the app now keeps (issues 17, 18, 19).
const ADDED_IN_3 = {
  rectification_orders: [s('number'), ref('inspection_id'), ref('enterprise_id'), s('issued_on'),
    s('official_names'), s('items'), s('receiver_name'), s('received_on')],
  review_opinions: [s('number'), s('order_id'), ref('enterprise_id'), s('reviewed_on'), s('official_names'), s('items')],
  penalty_decisions: [s('number'), ref('enterprise_id'), s('party_name'), s('party_uscc'), s('facts'),
    s('legal_basis'), s('penalty_types'), n('amount_fen'), s('decided_on'), s('publish_due_on'), n('published_at')],
  accidents: [ref('enterprise_id'), n('occurred_at'), s('place'), s('accident_type'), s('summary'), n('deaths'),
    n('serious_injuries'), n('direct_economic_loss_fen'), s('level'), s('responsible'), s('investigation_status'), n('updated_at')],
  risk_points: [ref('enterprise_id'), s('kind'), s('name'), s('location'), s('hazard_types'), s('method'),
    n('lec_l'), n('lec_e'), n('lec_c'), n('likelihood'), n('severity'), n('score'), s('level'),
    s('control_measures'), s('control_level'), s('responsible_person'), n('updated_at')],
  hazard_installations: [ref('enterprise_id'), s('name'), s('unit_kind'), s('substances'), n('exposed_people'),
    n('s_value'), n('r_value'), n('alpha'), b('is_major'), n('grade'), s('registered_on'), s('filing_status'),
    s('filed_on'), s('accepted_on'), s('last_evaluated_on'), s('evaluation_due_on'), s('monitoring_notes'), n('updated_at')],
  enterprise_people: [ref('enterprise_id'), s('name'), s('role'), s('job_title'), b('active'), n('updated_at')],
  certificates: [ref('enterprise_id'), s('person_id'), s('cert_type'), s('operation_category'), s('number'),
    s('issuer'), s('issued_on'), s('valid_until'), n('updated_at')],
  training_sessions: [ref('enterprise_id'), n('held_at'), s('content'), n('hours'), s('participants'), n('updated_at')],
  emergency_plans: [ref('enterprise_id'), s('kind'), s('title'), s('issued_on'), s('filing_status'),
    s('filed_with'), s('filed_on'), n('updated_at')],
  emergency_drills: [ref('enterprise_id'), s('drill_type'), s('held_on'), s('plan_id'), n('participants_count'),
    s('evaluation'), s('improvements'), n('updated_at')],
  patrols: [s('patrol_date'), n('started_at'), n('ended_at'), s('route'), s('places'), s('observations'),
    s('enterprise_ids'), s('hazards'), s('hazard_note'), s('hazard_ids'), s('jurisdiction_id')],
}
Object.assign(TABLES, ADDED_IN_3)

// Version 4: wire v3's enterprise coordinates (附近企业).
const ENTERPRISE_COLUMNS_IN_4 = [n('latitude'), n('longitude')]
TABLES.enterprises.push(...ENTERPRISE_COLUMNS_IN_4)

export const migrations = schemaMigrations({
  migrations: [
    {
      toVersion: 3,
      steps: [
        addColumns({ table: 'checklists', columns: [s('registers')] }),
        addColumns({ table: 'findings', columns: [s('risk_point_id')] }),
        ...Object.entries(ADDED_IN_3).map(([name, columns]) => createTable({ name, columns })),
      ],
    },
    {
      toVersion: 4,
      steps: [addColumns({ table: 'enterprises', columns: ENTERPRISE_COLUMNS_IN_4 })],
    },
  ],
})

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
    migrations,
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
