/**
 * Figures the landing pages state about the course, derived from its data (the lesson collection,
 * the labs' manifests) so they stay true as lessons and labs are added.
 */

/** "60 to 90 minutes", or "about 75 minutes" when every lab takes the same time. */
export function minutesRange(minutes: readonly number[]): string {
  if (minutes.length === 0) throw new Error("minutesRange: no lab has an estimate");
  const low = Math.min(...minutes);
  const high = Math.max(...minutes);
  return low === high ? `about ${low} minutes` : `${low} to ${high} minutes`;
}
