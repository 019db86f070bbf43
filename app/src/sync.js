// Sync with the server: WatermelonDB's synchronize() against /api/v1/sync (docs/sync.md).
import { hasUnsyncedChanges, synchronize } from '@nozbe/watermelondb/sync'
import { call } from './api.js'
import { MIGRATIONS_ENABLED_AT, WIRE_SCHEMA_VERSION, database, persist } from './db.js'
import { afterPhotosAwaitingVerification } from './inspection.js'
import { keepAfterPhotos } from './photos.js'

const TABLES = ['inspections', 'findings', 'hazards', 'photos', 'hazard_actions', 'rectification_orders', 'patrols']
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
  const pushed = await once(onProgress)
  // What the server made of the push (an order's number, a finished inspection's hazards)
  // comes back with the next pull: pull it now rather than at the next sync.
  if (pushed) await once(onProgress)
  await persist()
  onProgress({ phase: '正在下载待核验的整改照片…' })
  try {
    await keepAfterPhotos(await afterPhotosAwaitingVerification())
  } catch (error) {
    console.warn('after-photos not kept', error) // the sync itself succeeded
  }
  onProgress({ phase: '同步完成' })
}

/** One pull and push; whether anything was pushed. */
async function once(onProgress) {
  let pushed = false
  onProgress({ phase: '正在下载数据…' })
  await synchronize({
    database,
    sendCreatedAsUpdated: false,
    migrationsEnabledAtVersion: MIGRATIONS_ENABLED_AT,
    pullChanges: async ({ lastPulledAt, migration }) => {
      const query = new URLSearchParams({
        last_pulled_at: String(lastPulledAt ?? null),
        schema_version: String(WIRE_SCHEMA_VERSION), // the phone's own version may be ahead
        migration: JSON.stringify(migration ?? null),
      })
      const answer = await call('GET', `/api/v1/sync?${query}`)
      const count = Object.values(answer.changes).reduce((sum, t) => sum + t.created.length + t.updated.length, 0)
      onProgress({ phase: '正在保存到手机…', detail: `${count} 条记录` })
      return answer
    },
    pushChanges: async ({ changes, lastPulledAt }) => {
      onProgress({ phase: '正在上传记录…' })
      pushed = true
      return call('POST', `/api/v1/sync?last_pulled_at=${lastPulledAt}`, changes)
    },
  })
  return pushed
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
