// How many trailing digits two numbers must share to be the same line: a
// Saudi national number has nine, whatever prefix (+966, 00966, 0) comes
// before it.
const SIGNIFICANT_DIGITS = 9;

/**
 * @param {string} number in any format: "+966 50 123 4567", "0501234567"
 * @returns {string} its last significant digits
 */
export function significantDigits(number) {
    return String(number || "")
        .replace(/\D/g, "")
        .slice(-SIGNIFICANT_DIGITS);
}

/**
 * Whether two numbers, written in any format, are the same line.
 *
 * @param {string} number
 * @param {string} other
 * @returns {boolean}
 */
export function isSameNumber(number, other) {
    const digits = significantDigits(number);
    return Boolean(digits) && digits === significantDigits(other);
}
