/**
 * Durations the way a call center reads them: "4:05" for four minutes and five
 * seconds, "1:02:03" once past the hour. Time in a presence state, a caller's
 * wait and a call's length are all shown with it.
 *
 * @param {number} seconds elapsed seconds; negative or missing counts as 0
 * @returns {string}
 */
export function formatDuration(seconds) {
    const total = Math.max(0, Math.floor(Number(seconds) || 0));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const secs = String(total % 60).padStart(2, "0");
    if (hours) {
        return `${hours}:${String(minutes).padStart(2, "0")}:${secs}`;
    }
    return `${minutes}:${secs}`;
}
