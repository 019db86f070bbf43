// The device's WatermelonDB schema: DESIGN.md "Sync schema v1", column for column.
//
// Types: ids and references are strings (enterprise_id / jurisdiction_id travel as strings of
// the server's integer ids), *_at are numbers (ms epoch), dates (due_on) are ISO date strings,
// lists travel as JSON strings. `isOptional` wherever the server may send null.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { appSchema, tableSchema } = require('@nozbe/watermelondb')

const string = (name, extra = {}) => ({ name, type: 'string', ...extra })
const optionalString = (name, extra = {}) => string(name, { isOptional: true, ...extra })
const optionalNumber = (name) => ({ name, type: 'number', isOptional: true })
// WatermelonDB requires created_at / updated_at to be non-optional numbers.
const timestamp = (name) => ({ name, type: 'number' })
const reference = (name) => string(name, { isIndexed: true })

export const SCHEMA_VERSION = 1

// Tables only the server writes; a device never creates records in them.
export const PULL_ONLY_TABLES = [
  'enterprises',
  'checklists',
  'hazards',
  'inspection_plans',
  'sync_rejections',
]
// Tables a device creates records in.
export const DEVICE_TABLES = ['inspections', 'findings', 'hazard_actions', 'photos']

export const schema = appSchema({
  version: SCHEMA_VERSION,
  tables: [
    tableSchema({
      name: 'enterprises',
      columns: [
        string('name'),
        string('uscc'),
        optionalString('address'),
        string('industry'),
        reference('jurisdiction_id'),
        optionalString('risk_class'),
        optionalString('safety_code_color'),
      ],
    }),
    tableSchema({
      name: 'checklists',
      columns: [
        string('code', { isIndexed: true }),
        string('title'),
        string('version'),
        string('content'), // JSON: sections, items
      ],
    }),
    tableSchema({
      name: 'hazards',
      columns: [
        reference('enterprise_id'),
        optionalString('finding_id', { isIndexed: true }),
        string('title'),
        string('grade'),
        string('status'),
        optionalString('due_on'),
        timestamp('updated_at'),
      ],
    }),
    tableSchema({
      name: 'inspection_plans',
      columns: [reference('enterprise_id'), string('checklist_code'), optionalString('due_on')],
    }),
    tableSchema({
      name: 'inspections',
      columns: [
        reference('enterprise_id'),
        string('checklist_id'), // a checklist version id: the `checklists` table's id
        string('kind'),
        optionalNumber('started_at'),
        optionalNumber('finished_at'),
        optionalNumber('latitude'),
        optionalNumber('longitude'),
      ],
    }),
    tableSchema({
      name: 'findings',
      columns: [
        reference('inspection_id'),
        string('item_code'),
        string('result'), // pass | fail | na
        optionalString('note'),
        optionalString('grade'),
        optionalString('due_on'),
      ],
    }),
    tableSchema({
      name: 'hazard_actions',
      columns: [
        reference('hazard_id'),
        string('action'),
        optionalString('note'),
        optionalString('due_on'),
        timestamp('created_at'),
      ],
    }),
    tableSchema({
      name: 'photos',
      columns: [
        string('sha256'),
        string('owner_table'),
        reference('owner_id'),
        optionalNumber('taken_at'),
        optionalNumber('latitude'),
        optionalNumber('longitude'),
      ],
    }),
    tableSchema({
      name: 'sync_rejections',
      columns: [
        string('table_name'),
        reference('record_id'),
        string('reason'),
        timestamp('created_at'),
      ],
    }),
  ],
})
