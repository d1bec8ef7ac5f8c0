"""The call centre's KPIs: THE definition of each, used everywhere (the queues'
figures of today, the live wait board, the xlsx export).

A queue's KPIs cover a period [start, end): the calls that joined the queue
in it (their queue-join time, else their start) and the callbacks requested
in it (their ``date_requested``, the caller's original queue-join time).

Calls (``cc.call``, inbound, with a queue)
    A call counts once it has an outcome: an agent answered it (even if the
    conversation goes on), or it ended without an agent. A caller still
    waiting is not counted yet. A caller who pressed the callback key in the
    queue (``callback_requested``) is counted through their callback, not as
    a call: neither offered, nor answered, nor abandoned.

    wait        bridge to the agent − queue join (``cc.call.wait``).
    answered    an agent was bridged to the caller.
    in time     answered with wait ≤ T, the queue's *Service Level Time*
                (``cc_sl_seconds``), T included.
    abandoned   mod_callcenter ended the caller's membership with cause
                Cancel (the caller hung up, or left the queue otherwise)
                before an agent answered; no short-abandon threshold: every
                caller who gave up counts.

Callbacks (``cc.callback``)
    A callback made from an abandoned call adds nothing to the service level:
    its call already counts as offered and abandoned. Any other callback (the
    caller chose it in the voice menu, or a supervisor created it) counts as
    ONE offered contact, whatever the number of attempts, once it has an
    outcome (reached, failed) or once its time T_cb has passed, and as
    answered in time when the customer was reached (``date_done``, the start
    of the conversation) within T_cb of ``date_requested``.
    T_cb is the queue's *Callback Service Level Time*
    (``cc_callback_sl_minutes``, minutes). A cancelled callback counts
    nowhere.

KPIs
    offered             calls counted + callbacks counted.
    answered            calls answered + callbacks counted that reached the
                        customer.
    answered_in_time    calls answered in time + callbacks counted reached
                        within T_cb.
    service_level       answered_in_time ÷ offered × 100 (None: nothing
                        offered).
    asa                 mean wait of the calls answered (seconds; 0 without
                        any).
    aht                 mean of talk + hold + wrap-up of the calls answered
                        and ended (seconds; 0 without any). Talk is bridge to
                        hang-up (``cc.call.talk``); hold is inside talk
                        (FreeSWITCH reports no hold on a queue call); wrap-up
                        comes from the presence log, where it is not tied to
                        a call: each agent's wrap-up time in the period is
                        spread evenly over the calls they answered in it
                        (every queue's and their own outbound calls).
    abandoned           calls abandoned.
    abandonment         abandoned ÷ (abandoned + calls answered) × 100 (None:
                        neither).
    occupancy           (on call + wrap-up) ÷ (available + on call + wrap-up)
                        × 100 of the queue's agents in the period, from the
                        presence log clipped to the period (None: nobody was
                        online). An agent of several queues counts in each.
    callbacks_requested callbacks requested in the period (all origins).
    callbacks_done      of those, the ones that reached the customer.
"""


def ratio(part, whole):
    """``part`` ÷ ``whole`` as a percentage, or None when ``whole`` is 0."""
    return 100.0 * part / whole if whole else None


def mean(total, count):
    """``total`` ÷ ``count``, or 0.0 when there is nothing to average."""
    return total / count if count else 0.0


def wrap_up_share(queue_calls, agent_calls, agent_wrap_up):
    """Wrap-up seconds of a queue's calls: each agent's wrap-up time spread
    evenly over all the calls they answered. ``queue_calls``: {agent: calls of
    the queue they answered}; ``agent_calls``: {agent: all the calls they
    answered}; ``agent_wrap_up``: {agent: their wrap-up seconds}."""
    return sum(
        agent_wrap_up.get(agent, 0) * count / agent_calls[agent]
        for agent, count in queue_calls.items()
        if agent_calls.get(agent)
    )


def kpis(
    *,
    calls_offered=0,
    calls_answered=0,
    calls_in_time=0,
    abandoned=0,
    wait_total=0,
    handled=0,
    talk_total=0,
    wrap_up_total=0,
    callbacks_offered=0,
    callbacks_reached=0,
    callbacks_in_time=0,
    callbacks_requested=0,
    callbacks_done=0,
    busy=0,
    available=0,
):
    """A queue's KPIs (see the module's docstring) from its counts and sums:
    ``handled``, the calls answered and ended, with their ``talk_total`` and
    ``wrap_up_total``; ``busy``, its agents' seconds on call and in wrap-up;
    ``available``, their seconds Available."""
    offered = calls_offered + callbacks_offered
    in_time = calls_in_time + callbacks_in_time
    return {
        "offered": offered,
        "answered": calls_answered + callbacks_reached,
        "answered_in_time": in_time,
        "abandoned": abandoned,
        "service_level": ratio(in_time, offered),
        "asa": mean(wait_total, calls_answered),
        "aht": mean(talk_total + wrap_up_total, handled),
        "abandonment": ratio(abandoned, abandoned + calls_answered),
        "occupancy": ratio(busy, busy + available),
        "callbacks_requested": callbacks_requested,
        "callbacks_done": callbacks_done,
    }
