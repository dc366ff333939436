"""Named rules for growing the published network (docs/scaling.md): what each holds fixed
as N grows, applied by :meth:`sensorynet.NetworkParams.scaled`.
"""
from __future__ import annotations

import dataclasses
import math

from ._param_checks import MAX_N, check_number

__all__ = ["SCALING_RULES", "DEFAULT_SCALING", "scale_network"]

#: named rules of :meth:`NetworkParams.scaled`, and the default (docs/scaling.md: why)
SCALING_RULES = ("expected_indegree", "fixed_indegree", "fixed_probability", "balanced")
DEFAULT_SCALING = "fixed_indegree"


def scale_network(net, N, reference_N=500, rule=None):
    """``net`` (a NetworkParams) resized to ``N`` neurons by ``rule``; see
    :meth:`sensorynet.NetworkParams.scaled` for the rules."""
    rule = DEFAULT_SCALING if rule is None else rule
    if rule not in SCALING_RULES:
        raise ValueError(f"NetworkParams.scaled: unknown rule {rule!r}; use {SCALING_RULES}")
    N = check_number("NetworkParams.scaled", "N", N, low=2, high=MAX_N, integer=True)
    if N == reference_N:
        return net
    k = reference_N / N
    changes = {}
    if rule in ("expected_indegree", "fixed_indegree"):
        for name in ("eps_EE", "eps_EI", "eps_IE", "eps_II"):
            p = getattr(net, name) * k
            if p > 1.0:
                raise ValueError(
                    f"NetworkParams.scaled: N={N} is smaller than "
                    f"reference_N={reference_N} and {name} would exceed 1 ({p:.3g})")
            changes[name] = p
        if rule == "fixed_indegree":
            changes["fixed_indegree"] = True
    elif rule == "fixed_probability":
        changes["J"] = net.J * k
    else:
        changes["J"] = net.J * math.sqrt(k)
    return dataclasses.replace(net, N=int(N), **changes)
