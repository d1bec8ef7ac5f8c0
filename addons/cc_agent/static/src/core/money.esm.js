import {formatFloat} from "@web/core/utils/numbers";
import {nbsp} from "@web/core/utils/strings";

/**
 * An amount with its currency as the server describes it, the way Odoo shows
 * money: "SAR 1,250.00" or "1,250.00 €" (with a non-breaking space).
 *
 * @param {{amount: number, symbol: string, position: string, digits: number}} money
 * @returns {string}
 */
export function formatAmount({amount, symbol, position, digits}) {
    const number = formatFloat(amount || 0, {digits: [false, digits ?? 2]});
    if (!symbol) {
        return number;
    }
    return position === "after"
        ? `${number}${nbsp}${symbol}`
        : `${symbol}${nbsp}${number}`;
}
