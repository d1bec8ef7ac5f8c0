"""Erlang C: how many agents a queue needs for a target service level.

Calls arrive at random (Poisson) and wait in the queue until an agent is
free; handling times are exponential around their mean. With

    A = calls × AHT / interval          the offered traffic, in Erlangs
    N                                   the agents handling the queue (N > A)

the probability that a caller has to wait (Erlang's C formula) is

                     A^N / N! × N / (N − A)
    P(wait) = ─────────────────────────────────────────
              Σ_{k=0}^{N−1} A^k / k!  +  A^N / N! × N / (N − A)

and from it

    service level = 1 − P(wait) × e^(−(N − A) × T / AHT)   answered within T
    ASA           = P(wait) × AHT / (N − A)                 average speed of answer
    occupancy     = A / N

P(wait) is computed through Erlang B's recursion, B(0) = 1 and
B(k) = A·B(k−1) / (k + A·B(k−1)), then C = N·B / (N − A·(1 − B)): exact, and
free of the overflow of A^N and N! for big queues.

The agents needed are the smallest N > A meeting the service level (and, if
given, a maximum occupancy); the agents to schedule add shrinkage (breaks,
absences): N / (1 − shrinkage), rounded up.
"""

import math


def traffic(calls, aht, interval):
    """Offered traffic in Erlangs: ``calls`` in ``interval`` seconds, each
    handled in ``aht`` seconds on average."""
    if interval <= 0:
        raise ValueError("the interval must be longer than 0 seconds")
    if calls < 0 or aht < 0:
        raise ValueError("calls and handling time cannot be negative")
    return calls * aht / interval


def wait_probability(erlangs, agents):
    """Erlang C: the probability that a caller waits (1 when the agents
    cannot keep up, agents <= erlangs)."""
    if agents <= 0 or agents <= erlangs:
        return 1.0
    if erlangs <= 0:
        return 0.0
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = erlangs * blocking / (k + erlangs * blocking)
    return agents * blocking / (agents - erlangs * (1 - blocking))


def service_level(erlangs, agents, aht, target):
    """Share of callers answered within ``target`` seconds."""
    if agents <= erlangs:
        return 0.0
    if aht <= 0:
        return 1.0
    waiting = wait_probability(erlangs, agents)
    return 1.0 - waiting * math.exp(-(agents - erlangs) * target / aht)


def average_speed_of_answer(erlangs, agents, aht):
    """Average wait in seconds (infinite when the agents cannot keep up)."""
    if agents <= erlangs:
        return math.inf
    return wait_probability(erlangs, agents) * aht / (agents - erlangs)


def agents_needed(
    calls, aht, interval, target_level, target_time, max_occupancy=1.0, limit=10000
):
    """The fewest agents answering ``target_level`` (0-1) of ``calls`` (in
    ``interval`` seconds, ``aht`` seconds each) within ``target_time``
    seconds, with an occupancy of at most ``max_occupancy``. 0 when no call
    is expected."""
    if not 0 < target_level < 1:
        raise ValueError("the service level target must be between 0 and 1")
    if not 0 < max_occupancy <= 1:
        raise ValueError("the maximum occupancy must be above 0 and at most 1")
    erlangs = traffic(calls, aht, interval)
    if erlangs == 0:
        return 0
    agents = max(1, math.floor(erlangs) + 1)
    while agents <= limit:
        if (
            erlangs / agents <= max_occupancy
            and service_level(erlangs, agents, aht, target_time) >= target_level
        ):
            return agents
        agents += 1
    raise ValueError(f"more than {limit} agents would be needed")


def with_shrinkage(agents, shrinkage):
    """Agents to schedule so that ``agents`` are working when a share
    ``shrinkage`` (0-1) of the scheduled time is lost to breaks and
    absences."""
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be at least 0 and below 1")
    # The rounding guard keeps 14 / 0.7 at 20, not 21.
    return math.ceil(round(agents / (1 - shrinkage), 9))
