// The server's public API (the same a native app would use), with the device's bearer token.

const TOKEN = 'xuncha.token'
const DEVICE = 'xuncha.device'
const USER = 'xuncha.user'

/** @returns {string|null} */
export const token = () => localStorage.getItem(TOKEN)
/** @returns {{username: string, role: string}|null} */
export const user = () => JSON.parse(localStorage.getItem(USER) || 'null')

/** A stable id for this browser, sent at login so the server tells devices apart. */
export function deviceId() {
  let id = localStorage.getItem(DEVICE)
  if (!id) {
    id = `web-${crypto.getRandomValues(new Uint32Array(2)).join('')}`
    localStorage.setItem(DEVICE, id)
  }
  return id
}

export class HttpError extends Error {
  /** @param {number} status @param {any} body */
  constructor(status, body) {
    super((body && (body.detail || body.title)) || `HTTP ${status}`)
    this.status = status
    this.body = body
  }
}

/** @param {string} method @param {string} path @param {any} [body] */
export async function call(method, path, body) {
  const headers = { Accept: 'application/json' }
  if (token()) headers.Authorization = `Bearer ${token()}`
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  const parsed = text ? JSON.parse(text) : null
  if (!response.ok) throw new HttpError(response.status, parsed)
  return parsed
}

/** @param {string} username @param {string} password */
export async function logIn(username, password) {
  const answer = await call('POST', '/api/v1/auth/token', {
    username,
    password,
    device_id: deviceId(),
  })
  localStorage.setItem(TOKEN, answer.access_token)
  localStorage.setItem(USER, JSON.stringify(answer.user))
  return answer.user
}

export function forget() {
  localStorage.removeItem(TOKEN)
  localStorage.removeItem(USER)
}
