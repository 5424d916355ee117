/**
 * 32-bit FNV-1a over the string's UTF-16 code units, finished with murmur3's fmix32 so that similar keys
 * ('user-1', 'user-2') land far apart on the ring. Not cryptographic; stable across processes and versions.
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
