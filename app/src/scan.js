// Scanning the 常安码: jsQR on camera frames (getUserMedia) or on a picked photo; the URL's
// token is hashed and matched offline against each enterprise's safety_code_sha256.
import jsQR from 'jsqr'
import { Q, all } from './db.js'

/** @param {ImageBitmap|HTMLVideoElement} source @param {number} w @param {number} h */
function decode(source, w, h) {
  const canvas = document.createElement('canvas')
  const scale = Math.min(1, 1200 / Math.max(w, h))
  canvas.width = Math.round(w * scale)
  canvas.height = Math.round(h * scale)
  const ctx = canvas.getContext('2d', { willReadFrequently: true })
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height)
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height)
  const code = jsQR(data, canvas.width, canvas.height)
  return code ? code.data : null
}

/** @param {Blob} file @returns {Promise<string|null>} the text in the QR code */
export async function decodeFile(file) {
  const bitmap = await createImageBitmap(file)
  return decode(bitmap, bitmap.width, bitmap.height)
}

/** Scan with the camera until a code is read or stop() is called. */
export async function scanCamera(video, onText) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } })
  video.srcObject = stream
  await video.play()
  let stopped = false
  const stop = () => { stopped = true; stream.getTracks().forEach((t) => t.stop()) }
  const tick = () => {
    if (stopped) return
    const text = video.videoWidth ? decode(video, video.videoWidth, video.videoHeight) : null
    if (text) { stop(); onText(text) } else requestAnimationFrame(tick)
  }
  tick()
  return stop
}

/** The enterprise a scanned URL names, found on the phone. @param {string} text */
export async function enterpriseFor(text) {
  const match = /\/q\/([A-Za-z0-9_-]{1,64})\/?$/.exec(text.trim())
  if (!match) return null
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(match[1]))
  const hex = [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, '0')).join('')
  const [found] = await all('enterprises', Q.where('safety_code_sha256', hex))
  return found || null
}
