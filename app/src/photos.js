// Photos: compressed on the phone (canvas), kept in IndexedDB by SHA-256 until uploaded in the
// background with tus (resumable; fingerprinted by the SHA-256, so never sent twice).
import exifr from 'exifr/dist/lite.esm.mjs'
import * as tus from 'tus-js-client'
import { token } from './api.js'
import { create, newId } from './db.js'

const MAX_SIDE = 1600
const STORE = 'photos'
let dbPromise = null

function store() {
  dbPromise ??= new Promise((resolve, reject) => {
    const open = indexedDB.open('xuncha-photos', 1)
    open.onupgradeneeded = () => open.result.createObjectStore(STORE)
    open.onsuccess = () => resolve(open.result)
    open.onerror = () => reject(open.error)
  })
  return dbPromise
}

async function tx(mode, fn) {
  const db = await store()
  return new Promise((resolve, reject) => {
    const t = db.transaction(STORE, mode)
    const request = fn(t.objectStore(STORE))
    t.oncomplete = () => resolve(request.result)
    t.onerror = () => reject(t.error)
  })
}

/** Photos whose bytes are still on the phone only. */
export const pendingShas = () => tx('readonly', (s) => s.getAllKeys())
const blobOf = (sha) => tx('readonly', (s) => s.get(sha))
const keep = (sha, blob) => tx('readwrite', (s) => s.put(blob, sha))
const drop = (sha) => tx('readwrite', (s) => s.delete(sha))

/** Downscale to MAX_SIDE and re-encode as JPEG. @param {Blob} file @returns {Promise<Blob>} */
export async function compress(file) {
  const bitmap = await createImageBitmap(file)
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height))
  const canvas = document.createElement('canvas')
  canvas.width = Math.round(bitmap.width * scale)
  canvas.height = Math.round(bitmap.height * scale)
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height)
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.8))
}

/** @param {Blob} blob */
export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())
  return [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, '0')).join('')
}

/**
 * When the photo was taken: its EXIF DateTimeOriginal, read before the canvas re-encoding drops
 * the EXIF; else the file's lastModified (a picked file's may be the copy's time, not the shot's).
 * @param {File} file @returns {Promise<number>} epoch ms
 */
export async function takenAt(file) {
  try {
    const tags = await exifr.parse(file, { gps: false, interop: false, ifd1: false })
    const when = tags?.DateTimeOriginal
    if (when instanceof Date && !Number.isNaN(when.getTime())) return when.getTime()
  } catch {
    // not a JPEG/HEIC with EXIF, or unreadable: fall back below
  }
  return file.lastModified || Date.now()
}

/**
 * Take a photo in: compress, keep its bytes for upload, and (when an owner is given) record
 * it in the `photos` table with the time it was taken.
 * @param {File} file @param {string} [ownerTable] @param {string} [ownerId]
 * @returns {Promise<string>} its SHA-256
 */
export async function takePhoto(file, ownerTable, ownerId) {
  const taken = await takenAt(file)
  const blob = await compress(file)
  const sha = await sha256Hex(blob)
  await keep(sha, blob)
  if (ownerTable) {
    await create('photos', { id: newId(), sha256: sha, owner_table: ownerTable, owner_id: ownerId, taken_at: taken })
  }
  uploadAll()
  return sha
}

let uploading = null
/** Upload every waiting photo, one at a time; safe to call often. */
export function uploadAll() {
  if (!navigator.onLine || !token()) return Promise.resolve()
  uploading ??= (async () => {
    for (const sha of await pendingShas()) {
      try {
        await uploadOne(sha)
        await drop(sha)
      } catch (error) {
        console.warn('photo upload paused', sha, error)
        break
      }
    }
  })().finally(() => { uploading = null })
  return uploading
}

async function alreadyHeld(sha) {
  const answer = await fetch(`/api/v1/media/${sha}`, { method: 'HEAD', headers: { Authorization: `Bearer ${token()}` } })
  return answer.status === 200
}

async function uploadOne(sha) {
  if (await alreadyHeld(sha)) return
  const blob = await blobOf(sha)
  await new Promise((resolve, reject) => {
    const upload = new tus.Upload(blob, {
      endpoint: '/api/v1/uploads',
      headers: { Authorization: `Bearer ${token()}` },
      metadata: { sha256: sha, filename: `${sha.slice(0, 12)}.jpg`, filetype: 'image/jpeg' },
      chunkSize: 256 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      // The same photo always resumes the same upload.
      fingerprint: async () => `xuncha-photo-${sha}`,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onError: reject,
      onSuccess: resolve,
    })
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0])
      upload.start()
    })
  })
}

// The enterprise's after-photos of the hazards awaiting verification, kept for verifying on
// site offline. Local policy (docs/sources.md): only those hazards, at most the server's
// APP_AFTER_PHOTO_CACHE_MB (told in the shell's meta tag), each dropped once its hazard no
// longer awaits verification.
export const AFTER_PHOTO_CACHE = 'xuncha-after-photos'
const cacheLimitMb = () => Number(document.querySelector('meta[name="xuncha-after-photo-cache-mb"]')?.content ?? 30)
const cachedUrl = (sha) => `/api/v1/media/${sha}?variant=preview`

/**
 * Keep exactly these photos (their previews) in the Cache Storage, within the bound; fetched
 * with the user's token, as the server lets whoever sees the hazard read them.
 * @param {string[]} shas newest hazards first: the first are kept when the bound is reached
 */
export async function keepAfterPhotos(shas) {
  if (typeof caches === 'undefined') return
  const cache = await caches.open(AFTER_PHOTO_CACHE)
  const wanted = new Set(shas.map(cachedUrl))
  let bytes = 0
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname + new URL(request.url).search
    if (!wanted.has(path)) await cache.delete(request)
    else bytes += (await (await cache.match(request)).blob()).size
  }
  for (const url of wanted) {
    if (await cache.match(url)) continue
    if (!navigator.onLine) return
    const answer = await fetch(url, { headers: { Authorization: `Bearer ${token()}` } })
    if (!answer.ok) continue
    const blob = await answer.blob()
    if (bytes + blob.size > cacheLimitMb() * 1024 * 1024) return
    bytes += blob.size
    await cache.put(url, new Response(blob, { headers: { 'Content-Type': blob.type } }))
  }
}

/** Forget the photos kept on the phone: the after-photos, and the bytes of any not uploaded. */
export async function forgetPhotos() {
  if (typeof caches !== 'undefined') await caches.delete(AFTER_PHOTO_CACHE)
  await tx('readwrite', (s) => s.clear())
}

async function cachedAfterPhoto(sha) {
  if (typeof caches === 'undefined') return null
  const hit = await (await caches.open(AFTER_PHOTO_CACHE)).match(cachedUrl(sha))
  return hit ? hit.blob() : null
}

/** An object URL for a photo: the phone's copy, a kept after-photo, else the server's thumbnail.
 * @param {string} sha */
export async function photoUrl(sha) {
  const local = (await blobOf(sha)) || (await cachedAfterPhoto(sha))
  if (local) return URL.createObjectURL(local)
  try {
    const answer = await fetch(`/api/v1/media/${sha}?variant=thumb`, { headers: { Authorization: `Bearer ${token()}` } })
    return answer.ok ? URL.createObjectURL(await answer.blob()) : ''
  } catch {
    return '' // offline: the server's copy shows once online
  }
}
