import {describe, expect, test} from "@odoo/hoot";
import {formatDuration} from "@cc_agent/core/duration.esm";

describe.current.tags("headless");

describe("formatDuration", () => {
    test("minutes and seconds below an hour", () => {
        expect(formatDuration(0)).toBe("0:00");
        expect(formatDuration(5)).toBe("0:05");
        expect(formatDuration(245)).toBe("4:05");
        expect(formatDuration(3599)).toBe("59:59");
    });

    test("hours, minutes and seconds from the hour on", () => {
        expect(formatDuration(3600)).toBe("1:00:00");
        expect(formatDuration(3723)).toBe("1:02:03");
        expect(formatDuration(36000 + 59)).toBe("10:00:59");
    });

    test("fractions are cut, and nonsense counts as nothing", () => {
        expect(formatDuration(61.9)).toBe("1:01");
        expect(formatDuration(-12)).toBe("0:00");
        expect(formatDuration(undefined)).toBe("0:00");
        expect(formatDuration("90")).toBe("1:30");
    });
});
