from odoo.exceptions import ValidationError

from .common import TelephonyCase


class TestQueueSettings(TelephonyCase):
    def _another_queue(self):
        # A refused value stays dirty in the cache of the record it was
        # written on: each case takes its own queue.
        self._queues = getattr(self, "_queues", 0) + 1
        return self.queue.copy({"name": f"q{self._queues}@default"})

    def test_defaults_are_a_common_target(self):
        self.assertEqual(
            (
                self.queue.cc_sl_target,
                self.queue.cc_sl_seconds,
                self.queue.cc_max_occupancy,
                self.queue.cc_shrinkage,
            ),
            (80.0, 20, 85.0, 30.0),
        )

    def test_shares_out_of_range_are_refused_naming_the_field(self):
        for field, value, label in (
            ("cc_sl_target", 0.0, "Service Level Target (%)"),
            ("cc_sl_target", 101.0, "Service Level Target (%)"),
            ("cc_max_occupancy", 150.0, "Maximum Occupancy (%)"),
        ):
            with self.subTest(field=field, value=value):
                with self.assertRaisesRegex(
                    ValidationError, label.replace("(", r"\(").replace(")", r"\)")
                ):
                    self._another_queue().write({field: value})
        with self.assertRaisesRegex(ValidationError, "Shrinkage"):
            self._another_queue().cc_shrinkage = 100.0

    def test_negative_counts_are_refused(self):
        for field in (
            "cc_sl_seconds",
            "cc_summon_waiting",
            "cc_summon_wait",
            "cc_callback_max_attempts",
            "cc_callback_retry_minutes",
        ):
            with self.subTest(field=field):
                with self.assertRaisesRegex(ValidationError, "cannot be negative"):
                    self._another_queue().write({field: -1})

    def test_zero_thresholds_mean_never(self):
        self.queue.write({"cc_summon_waiting": 0, "cc_summon_wait": 0})
        self.assertEqual(self.queue.cc_summon_waiting, 0)
