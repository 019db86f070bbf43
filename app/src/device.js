// Whose records the phone holds: one user's at a time. Logging out, or another user logging in,
// wipes the phone's copy (a colleague of another area must not read it offline, and their own
// pulls must start from nothing) — but never while something is still waiting for the server.
import { database, persist } from './db.js'
import { forgetPhotos, pendingShas } from './photos.js'
import { waiting } from './sync.js'

const OWNER = 'xuncha.owner'
export const SYNCED = 'xuncha.synced'

/** @returns {{id: number, username: string}|null} whose records the phone holds */
const owner = () => JSON.parse(localStorage.getItem(OWNER) || 'null')

/** How many records and photos have not reached the server yet. */
export async function stillWaiting() {
  return (await waiting()).length + (await pendingShas()).length
}

/** Forget everything the phone holds of its user. */
export async function wipe() {
  await database.write(() => database.unsafeResetDatabase())
  await persist()
  await forgetPhotos()
  localStorage.removeItem(SYNCED)
  localStorage.removeItem(OWNER)
}

/**
 * Make the phone `user`'s. Another user's copy is wiped first, unless some of it still waits for
 * the server: then the phone stays theirs, and the answer says whose and how much.
 * @param {{id: number, username: string}} user
 * @returns {Promise<string|null>} why the phone cannot be given to `user`, or null
 */
export async function claimFor(user) {
  const previous = owner()
  // A phone synced by an older version of the app has records but no owner: start it afresh.
  const unknown = !previous && localStorage.getItem(SYNCED)
  if (unknown || (previous && previous.id !== user.id)) {
    const left = await stillWaiting()
    if (left && previous) return `本机还有 ${previous.username} 的 ${left} 条记录或照片未同步，请由其登录并同步后再切换账号。`
    if (!left) await wipe()
  }
  localStorage.setItem(OWNER, JSON.stringify({ id: user.id, username: user.username }))
  return null
}
