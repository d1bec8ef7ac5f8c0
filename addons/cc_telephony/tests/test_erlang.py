"""Erlang C against published values."""

import math
from fractions import Fraction

from odoo.tests import BaseCase, tagged

from ..tools import erlang


@tagged("post_install", "-at_install")
class TestErlangC(BaseCase):
    def test_the_published_worked_example(self):
        """Call Centre Helper's worked example of the Erlang C formula: 100
        calls in 30 minutes, 3 minutes each, 80 % answered within 20 seconds,
        at most 85 % occupancy, 30 % shrinkage: 10 Erlangs; with 11 agents a
        caller waits with probability 0.6821, 39 % are answered within 20 s
        and the average wait is 122.8 s; 14 agents are needed (88.8 %), 20 to
        schedule."""
        erlangs = erlang.traffic(100, 180, 1800)
        self.assertEqual(erlangs, 10)
        self.assertAlmostEqual(erlang.wait_probability(erlangs, 11), 0.6821, 4)
        self.assertAlmostEqual(erlang.service_level(erlangs, 11, 180, 20), 0.3896, 4)
        self.assertAlmostEqual(
            erlang.average_speed_of_answer(erlangs, 11, 180), 122.8, 1
        )
        self.assertAlmostEqual(erlang.service_level(erlangs, 13, 180, 20), 0.7956, 4)
        self.assertAlmostEqual(erlang.service_level(erlangs, 14, 180, 20), 0.8884, 4)
        needed = erlang.agents_needed(100, 180, 1800, 0.8, 20, max_occupancy=0.85)
        self.assertEqual(needed, 14)
        self.assertEqual(erlang.with_shrinkage(needed, 0.3), 20)

    def test_the_recursion_equals_the_formula(self):
        """The recursion gives what the textbook formula gives, computed here
        exactly with fractions; 1/3 and 4/9 are the closed forms for 1 Erlang
        on 2 agents and 2 Erlangs on 3."""

        def direct(erlangs, agents):
            a = Fraction(erlangs)
            top = a**agents / math.factorial(agents) * agents / (agents - a)
            return float(
                top / (sum(a**k / math.factorial(k) for k in range(agents)) + top)
            )

        self.assertAlmostEqual(erlang.wait_probability(1, 2), 1 / 3, 12)
        self.assertAlmostEqual(erlang.wait_probability(2, 3), 4 / 9, 12)
        for erlangs, agents in ((5, 6), (5, 8), (10, 12), (20, 25), (42.5, 50)):
            with self.subTest(erlangs=erlangs, agents=agents):
                self.assertAlmostEqual(
                    erlang.wait_probability(erlangs, agents),
                    direct(erlangs, agents),
                    12,
                )

    def test_big_queues_do_not_overflow(self):
        # A^N / N! overflows floats from N = 171; the recursion does not.
        needed = erlang.agents_needed(6000, 240, 1800, 0.9, 15)
        self.assertGreater(needed, 800)
        self.assertLess(needed, 850)
        self.assertTrue(0 < erlang.wait_probability(800, 810) < 1)

    def test_limits(self):
        self.assertEqual(erlang.agents_needed(0, 180, 1800, 0.8, 20), 0)
        self.assertEqual(erlang.wait_probability(10, 10), 1.0)
        self.assertEqual(erlang.service_level(10, 9, 180, 20), 0.0)
        self.assertEqual(erlang.average_speed_of_answer(10, 10, 180), math.inf)
        # Occupancy caps the agents even when the service level is met.
        self.assertEqual(
            erlang.agents_needed(100, 180, 1800, 0.5, 600, max_occupancy=0.8), 13
        )
        for bad in (
            lambda: erlang.traffic(10, 180, 0),
            lambda: erlang.agents_needed(10, 180, 1800, 1.2, 20),
            lambda: erlang.agents_needed(10, 180, 1800, 0.8, 20, max_occupancy=0),
            lambda: erlang.with_shrinkage(10, 1),
        ):
            with self.assertRaises(ValueError):
                bad()
