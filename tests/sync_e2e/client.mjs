// A scenario driver for end-to-end tests of /api/v1/sync with the real WatermelonDB client.
//
//   node client.mjs script.json      (or the script on stdin)
//
// The script is JSON:
//   {
//     "base": "http://127.0.0.1:PORT",
//     "token": "...",                    default bearer token of every device
//     "tokens": {"B": "..."},            optional per-device tokens
//     "steps": [{"op": "sync", "device": "A"}, ...]
//   }
// Each named device (default "default") gets its own in-memory WatermelonDB database
// (LokiJSAdapter, no web worker, no IndexedDB: LokiJS falls back to its memory adapter in Node),
// so one script can play several phones. Steps never abort the script: each answers
// {"op", "device", "ok": true, ...} or {"ok": false, "error", "status"?}, and the driver prints
// {"results": [...]} as one JSON line on stdout (WatermelonDB's own logging goes to stderr and
// into the step's "logs").
//
// Every step may carry a "label", echoed in its result.
// Steps:
//   sync          synchronize(): pull (GET), apply, push (POST) the local changes. Answers what
//                 was pulled and pushed (ids per table), the rejected ids, the new last_pulled_at.
//                 "beforePush": [steps] runs those steps (on OTHER devices) after this device has
//                 pulled and before it pushes: the way to make a push race another device's.
//   create        {"table", "fields": {"id": ..., column: value}} creates a record offline
//   update        {"table", "id", "fields"} changes columns (marked as changed for sync)
//   delete        {"table", "id"} markAsDeleted (a tombstone to push)
//   query         {"table"} the local raw records (with _status, _changed), by id, and the ids
//                 of locally deleted records not yet pushed
//   dropResponse  the device's NEXT push reaches the server, then fails as if the answer was lost
//   token         {"token"} the device's bearer token from now on
//   lastPulledAt  the device's stored last_pulled_at
//   http          {"method", "path", "body"?, "token"?} a plain API call (e.g. an admin's PATCH
//                 between two syncs); answers status and parsed body
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

import { SCHEMA_VERSION, schema } from './schema.mjs'

const require = createRequire(import.meta.url)
const { Database, Model } = require('@nozbe/watermelondb')
const LokiJSAdapter = require('@nozbe/watermelondb/adapters/lokijs').default
const { synchronize } = require('@nozbe/watermelondb/sync')
const { getLastPulledAt } = require('@nozbe/watermelondb/sync/impl')

// stdout carries exactly one JSON line; everything anyone logs goes to stderr and to the step.
let stepLogs = []
// Loki's set-up chatter is left out of the steps' logs; WatermelonDB's [Sync] notices stay.
const NOISE = /\[Loki\]|useIncrementalIndexedDB/
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  console[level] = (...args) => {
    const text = args.map(describe).join(' ')
    if (!NOISE.test(text)) stepLogs.push(`${level}: ${text}`)
    process.stderr.write(`[${level}] ${text}\n`)
  }
}

function describe(value) {
  if (value instanceof Error) return value.message
  if (typeof value === 'string') return value
  try {
    return JSON.stringify(value)
  } catch {
    return String(value)
  }
}

// Models without decorators: columns are read and written through the raw record.
const modelClasses = Object.keys(schema.tables).map((table) => {
  const ModelClass = class extends Model {}
  ModelClass.table = table
  return ModelClass
})

class HttpError extends Error {
  constructor(method, url, status, body) {
    super(`${method} ${url} answered ${status}: ${body}`)
    this.status = status
    this.body = body
  }
}

class Device {
  constructor(name, script) {
    this.name = name
    this.base = script.base.replace(/\/$/, '')
    this.token = (script.tokens && script.tokens[name]) || script.token
    this.dropNextPushResponse = false
    this.busy = false
    const adapter = new LokiJSAdapter({
      schema,
      dbName: `xuncha-${name}`,
      useWebWorker: false,
      // Node has no IndexedDB, so Loki falls back to its in-memory adapter whatever this says
      // (adapters/lokijs/worker/lokiExtensions.js); false would only add a deprecation warning.
      useIncrementalIndexedDB: true,
      // Nothing to persist to: no autosave timer keeping the process alive.
      extraLokiOptions: { autosave: false },
      onSetUpError: (error) => console.error(`database set-up failed: ${error}`),
    })
    this.database = new Database({ adapter, modelClasses })
  }

  // One HTTP exchange with the device's bearer token; the whole answer is read.
  async request(method, url, body, token = this.token) {
    const response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: response.status, ok: response.ok, text: await response.text() }
  }

  // Like request(), but a non-2xx answer throws an Error naming the status and the body.
  async fetchJson(method, url, body) {
    const { status, ok, text } = await this.request(method, url, body)
    if (!ok) throw new HttpError(method, url, status, text)
    return text ? JSON.parse(text) : null
  }

  // GET /api/v1/sync, exactly as WatermelonDB's backend documentation builds it.
  async pull({ lastPulledAt, schemaVersion, migration }) {
    const query = new URLSearchParams({
      last_pulled_at: String(lastPulledAt ?? null),
      schema_version: String(schemaVersion),
      migration: JSON.stringify(migration ?? null),
    })
    return this.fetchJson('GET', `${this.base}/api/v1/sync?${query}`)
  }

  // POST /api/v1/sync; the changes object is the body.
  async push({ changes, lastPulledAt }) {
    const query = new URLSearchParams({ last_pulled_at: String(lastPulledAt) })
    const url = `${this.base}/api/v1/sync?${query}`
    const dropResponse = this.dropNextPushResponse
    this.dropNextPushResponse = false
    const body = await this.fetchJson('POST', url, changes)
    if (dropResponse) {
      throw new Error('push response lost (simulated): the server got the push, the device never got its answer')
    }
    return body || {}
  }

  async sync(step, runNested) {
    const outcome = { pulled: null, timestamp: null, pushed: null, rejected: null }
    try {
      await this.synchronize(step, runNested, outcome)
    } catch (error) {
      error.outcome = outcome // what happened before the failure (e.g. the nested steps)
      throw error
    }
    outcome.lastPulledAt = await getLastPulledAt(this.database)
    return outcome
  }

  async synchronize(step, runNested, outcome) {
    await synchronize({
      database: this.database,
      sendCreatedAsUpdated: false,
      pullChanges: async (args) => {
        const result = await this.pull(args)
        outcome.pulled = summarise(result && result.changes)
        outcome.timestamp = result && result.timestamp
        return result
      },
      pushChanges: async (args) => {
        outcome.pushed = summarise(args.changes)
        if (step.beforePush) outcome.beforePush = await runNested(step.beforePush)
        const result = await this.push(args)
        outcome.rejected = result.experimentalRejectedIds || null
        // WatermelonDB keeps the rejected records marked as unsynced.
        return { experimentalRejectedIds: result.experimentalRejectedIds }
      },
    })
  }

  async find(table, id) {
    return this.database.get(table).find(id)
  }

  async create(table, fields) {
    const collection = this.database.get(table)
    const record = await this.database.write(() =>
      collection.create((r) => {
        if (fields.id !== undefined) r._raw.id = String(fields.id)
        setColumns(r, table, fields)
      }),
    )
    return { ...record._raw }
  }

  async update(table, id, fields) {
    const record = await this.find(table, id)
    await this.database.write(() => record.update((r) => setColumns(r, table, fields)))
    return { ...record._raw }
  }

  async delete(table, id) {
    const record = await this.find(table, id)
    await this.database.write(() => record.markAsDeleted())
    return { id }
  }

  async query(table) {
    const records = await this.database.get(table).query().fetch()
    const raws = records.map((record) => ({ ...record._raw }))
    raws.sort((a, b) => a.id.localeCompare(b.id))
    const deleted = await this.database.adapter.getDeletedRecords(table)
    return { records: raws, deleted: [...deleted].sort() }
  }
}

function setColumns(record, table, fields) {
  const columns = schema.tables[table].columns
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'id') continue
    if (!columns[name]) throw new Error(`${table} has no column ${name} in the device schema`)
    record._setRaw(name, value)
  }
}

// {table: {created: [ids], updated: [ids], deleted: [ids]}} of a change set.
// Tables without any change are left out.
function summarise(changes) {
  if (!changes) return null
  const summary = {}
  for (const [table, { created = [], updated = [], deleted = [] }] of Object.entries(changes)) {
    if (created.length + updated.length + deleted.length === 0) continue
    summary[table] = {
      created: created.map((r) => r.id),
      updated: updated.map((r) => r.id),
      deleted: [...deleted],
    }
  }
  return summary
}

async function runScript(script) {
  if (!script.base) throw new Error('the script needs "base"')
  const devices = new Map()
  const deviceNamed = (name) => {
    if (!devices.has(name)) devices.set(name, new Device(name, script))
    return devices.get(name)
  }

  async function runStep(step) {
    const name = step.device || 'default'
    const result = { op: step.op, device: name }
    if (step.label !== undefined) result.label = step.label
    const device = deviceNamed(name)
    if (device.busy) return { ...result, ok: false, error: `device ${name} is busy in another step` }
    device.busy = true
    const outerLogs = stepLogs
    stepLogs = []
    try {
      Object.assign(result, await perform(device, step), { ok: true })
    } catch (error) {
      Object.assign(result, error.outcome || {}, {
        ok: false,
        error: error.message,
        status: error.status ?? null,
      })
    } finally {
      device.busy = false
      if (stepLogs.length) result.logs = stepLogs
      stepLogs = outerLogs
    }
    return result
  }

  async function runSteps(steps) {
    const results = []
    for (const step of steps) results.push(await runStep(step))
    return results
  }

  async function perform(device, step) {
    switch (step.op) {
      case 'sync':
        return device.sync(step, runSteps)
      case 'create':
        return { record: await device.create(step.table, step.fields || {}) }
      case 'update':
        return { record: await device.update(step.table, step.id, step.fields || {}) }
      case 'delete':
        return device.delete(step.table, step.id)
      case 'query':
        return device.query(step.table)
      case 'dropResponse':
        device.dropNextPushResponse = true
        return {}
      case 'token':
        device.token = step.token
        return {}
      case 'lastPulledAt':
        return { value: await getLastPulledAt(device.database) }
      case 'http': {
        const method = step.method || 'GET'
        const token = step.token || device.token
        const { status, text } = await device.request(method, device.base + step.path, step.body, token)
        return { status, body: parseOrText(text) }
      }
      default:
        throw new Error(`unknown step ${JSON.stringify(step.op)}`)
    }
  }

  return { schema_version: SCHEMA_VERSION, results: await runSteps(script.steps || []) }
}

function parseOrText(text) {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

async function main() {
  const fromFile = process.argv[2] && process.argv[2] !== '-'
  const source = readFileSync(fromFile ? process.argv[2] : 0, 'utf8')
  const output = await runScript(JSON.parse(source))
  // A pipe is written asynchronously: exit only once the whole line is out.
  await new Promise((resolve) => process.stdout.write(JSON.stringify(output) + '\n', resolve))
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`driver failed: ${error.stack || error}\n`)
    process.exit(2)
  },
)
