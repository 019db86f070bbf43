// The grid worker's 巡查 (issue 19 item 2): a patrol recorded on the phone while the screen is
// open — GPS points every few seconds, places, enterprises of the grid visited, observations and
// the hazards found — saved offline and pushed as `patrols` (docs/sync.md). A log is final once
// saved: the server receives it once and never changes it.
import { all, create, newId } from './db.js'
import { today } from './ui.js'

/** Seconds between two GPS points; the server keeps at most PATROL_MAX_ROUTE_POINTS. */
export const GPS_EVERY_SECONDS = 10
const MAX_POINTS = 500

/** A patrol being recorded: started now, points added by the watcher. */
export function startPatrol() {
  return { id: newId(), patrol_date: today(), started_at: Date.now(), route: [], timer: null }
}

/**
 * Record the position now and then every GPS_EVERY_SECONDS until stopped.
 * @param {{route: object[], timer: any}} patrol @param {() => void} onPoint
 */
export function watchPosition(patrol, onPoint) {
  if (!navigator.geolocation) return
  const take = () => navigator.geolocation.getCurrentPosition((p) => {
    if (patrol.route.length >= MAX_POINTS) return
    patrol.route.push({ lat: p.coords.latitude, lon: p.coords.longitude, at: p.timestamp || Date.now() })
    onPoint()
  }, () => {}, { enableHighAccuracy: true, maximumAge: 5000, timeout: 20000 })
  take()
  patrol.timer = setInterval(take, GPS_EVERY_SECONDS * 1000)
}

export function stopWatching(patrol) {
  if (patrol.timer) clearInterval(patrol.timer)
  patrol.timer = null
}

/**
 * Save the finished patrol for the next sync. Hazards found go in its `hazards` list; the
 * server reports each through the hazards' intake and counts its enterprise as visited.
 */
export async function savePatrol(patrol, { places, enterpriseIds, observations, hazards, hazardNote }) {
  stopWatching(patrol)
  await create('patrols', {
    id: patrol.id, patrol_date: patrol.patrol_date, started_at: patrol.started_at, ended_at: Date.now(),
    route: JSON.stringify(patrol.route), places: JSON.stringify(places), observations,
    enterprise_ids: JSON.stringify(enterpriseIds), hazards: JSON.stringify(hazards), hazard_note: hazardNote || '',
  })
  return patrol.id
}

/** The worker's logs on the phone, newest first. */
export async function patrols() {
  return (await all('patrols')).sort((a, b) => (b.started_at || 0) - (a.started_at || 0))
}
