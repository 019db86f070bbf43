// 附近企业: enterprises sorted by the distance from where the phone is, computed on the device
// (works offline: the coordinates come with the sync, the position from the phone's GPS).

const EARTH_RADIUS_M = 6371008.8

/** Great-circle distance in metres (haversine). @param {number} lat1 @param {number} lon1 @param {number} lat2 @param {number} lon2 */
export function distanceM(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(a))
}

/** 「850 米」 or 「3.2 公里」. @param {number} metres */
export const formatDistance = (metres) => (metres < 1000 ? `${Math.round(metres)} 米` : `${(metres / 1000).toFixed(1)} 公里`)

/** The phone's position, or why there is none (in Chinese). @returns {Promise<{lat: number, lon: number}>} */
export function here() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) return reject(new Error('此浏览器不支持定位'))
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude }),
      (error) => reject(new Error(error.code === 1 ? '定位权限被拒绝' : '暂时无法获取位置')),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    )
  })
}

/**
 * The enterprises nearest first, each with its distance; those without coordinates after them.
 * @template {{latitude?: number|null, longitude?: number|null}} E
 * @param {E[]} enterprises @param {{lat: number, lon: number}} from
 * @returns {Array<E & {distance: number|null}>}
 */
export function byDistance(enterprises, from) {
  const placed = (e) => typeof e.latitude === 'number' && typeof e.longitude === 'number'
  const near = enterprises.filter(placed).map((e) => ({ ...e, distance: distanceM(from.lat, from.lon, e.latitude, e.longitude) }))
    .sort((a, b) => a.distance - b.distance)
  return [...near, ...enterprises.filter((e) => !placed(e)).map((e) => ({ ...e, distance: null }))]
}
