// Sync with the server: WatermelonDB's synchronize() against /api/v1/sync (docs/sync.md).
import { hasUnsyncedChanges, synchronize } from '@nozbe/watermelondb/sync'
import { call } from './api.js'
import { database, persist } from './db.js'

const TABLES = ['inspections', 'findings', 'hazards', 'photos', 'hazard_actions']
let running = null

/** @typedef {{phase: string, detail?: string}} Progress */

/**
 * One sync; a second call while one runs waits for it.
 * @param {(p: Progress) => void} [onProgress]
 */
export function sync(onProgress = () => {}) {
  running ??= run(onProgress).finally(() => { running = null })
  return running
}

async function run(onProgress) {
  onProgress({ phase: '正在下载数据…' })
  await synchronize({
    database,
    sendCreatedAsUpdated: false,
    pullChanges: async ({ lastPulledAt, schemaVersion, migration }) => {
      const query = new URLSearchParams({
        last_pulled_at: String(lastPulledAt ?? null),
        schema_version: String(schemaVersion),
        migration: JSON.stringify(migration ?? null),
      })
      const answer = await call('GET', `/api/v1/sync?${query}`)
      const count = Object.values(answer.changes).reduce((sum, t) => sum + t.created.length + t.updated.length, 0)
      onProgress({ phase: '正在保存到手机…', detail: `${count} 条记录` })
      return answer
    },
    pushChanges: async ({ changes, lastPulledAt }) => {
      onProgress({ phase: '正在上传记录…' })
      return call('POST', `/api/v1/sync?last_pulled_at=${lastPulledAt}`, changes)
    },
  })
  await persist()
  onProgress({ phase: '同步完成' })
}

/** Records created or changed on the phone and not yet on the server. */
export async function waiting() {
  const out = []
  for (const table of TABLES) {
    const records = await database.get(table).query().fetch()
    for (const r of records) if (r._raw._status !== 'synced') out.push({ table, raw: r._raw })
  }
  return out
}

export const unsynced = () => hasUnsyncedChanges({ database })
