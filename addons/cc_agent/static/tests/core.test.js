import {describe, expect, test} from "@odoo/hoot";
import {patchWithCleanup} from "@web/../tests/web_test_helpers";
import {localization} from "@web/core/l10n/localization";
import {generateDeviceToken} from "@cc_agent/core/device_token.esm";
import {formatAmount} from "@cc_agent/core/money.esm";
import {isBreakOverrun, secondsIn} from "@cc_agent/core/presence.esm";

describe.current.tags("headless");

test("amounts take the currency's symbol, side and digits", () => {
    patchWithCleanup(localization, {
        decimalPoint: ".",
        thousandsSep: ",",
        grouping: [3, 0],
    });
    expect(
        formatAmount({amount: 1250.5, symbol: "SAR", position: "before", digits: 2})
    ).toBe("SAR\u00a01,250.50");
    expect(
        formatAmount({amount: 3.25, symbol: "€", position: "after", digits: 2})
    ).toBe("3.25\u00a0€");
    expect(
        formatAmount({amount: 7.1234, symbol: "KWD", position: "before", digits: 3})
    ).toBe("KWD\u00a07.123");
    expect(formatAmount({amount: 0, symbol: "", position: "after", digits: 0})).toBe(
        "0"
    );
    patchWithCleanup(localization, {decimalPoint: ",", thousandsSep: "."});
    expect(
        formatAmount({amount: 1250.5, symbol: "€", position: "after", digits: 2})
    ).toBe("1.250,50\u00a0€");
});

test("device keys are 64 random hexadecimal characters", () => {
    const first = generateDeviceToken();
    const second = generateDeviceToken();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(second).toMatch(/^[0-9a-f]{64}$/);
    expect(first).not.toBe(second);
});

test("a break runs over once past its expected minutes", () => {
    const since = Date.UTC(2024, 4, 1, 9, 0, 0);
    const minutes = (n) => since + n * 60000;
    const breakOf = (values) => ({
        state: "break",
        break_minutes: 15,
        sinceMs: since,
        ...values,
    });
    expect(secondsIn(since, minutes(15))).toBe(900);
    expect(secondsIn(since, since - 5000)).toBe(0);
    expect(secondsIn(null, since)).toBe(0);
    expect(isBreakOverrun(breakOf(), minutes(15))).toBe(false);
    expect(isBreakOverrun(breakOf(), minutes(15) + 1000)).toBe(true);
    expect(isBreakOverrun(breakOf({break_minutes: 0}), minutes(60))).toBe(false);
    expect(isBreakOverrun(breakOf({state: "available"}), minutes(60))).toBe(false);
    expect(isBreakOverrun(breakOf({sinceMs: null}), minutes(60))).toBe(false);
});
