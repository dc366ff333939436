"""Orientation classes tile the circle: an angle between two class centres belongs to
exactly one class."""
import numpy as np
import pytest

from sensorynet._orientation import (
    CARDINAL_DEG,
    OBLIQUE_DEG,
    near_orientation_mask,
    orientation_class_fractions,
)


def test_boundary_angles_belong_to_one_class():
    """At half-width 22.5° the classes are adjacent: every PO of the published grid
    (0.45° steps, so 22.5°, 67.5°, ... lie on it) is in exactly one class; they were
    counted in both (fractions 0.75 + 0.75)."""
    po = np.radians(np.arange(400) * 0.45)
    card = near_orientation_mask(po, CARDINAL_DEG, 22.5)
    obl = near_orientation_mask(po, OBLIQUE_DEG, 22.5)
    assert not np.any(card & obl) and np.all(card | obl)
    f = orientation_class_fractions(po, 22.5)
    assert f["frac_near_cardinal"] + f["frac_near_oblique"] == pytest.approx(1.0)
    assert f["frac_near_cardinal"] == pytest.approx(0.5)


@pytest.mark.parametrize("hw", [5.0, 15.0, 22.5])
def test_classes_are_symmetric_up_to_their_closed_lower_edge(hw):
    rng = np.random.default_rng(0)
    off = rng.uniform(-hw, hw, 1000)
    off = off[np.abs(np.abs(off) - hw) > 1e-6]
    for c in (0.0, 45.0, 90.0, 135.0, 180.0):
        inside = near_orientation_mask(np.radians(c + off), [c], hw)
        outside = near_orientation_mask(np.radians(c + np.sign(off) * (hw + 0.5)), [c], hw)
        assert inside.all() and not outside.any()
    assert near_orientation_mask(np.radians([-hw]), [0.0], hw)[0]
    assert not near_orientation_mask(np.radians([hw]), [0.0], hw)[0]


def test_silent_neurons_are_in_no_class():
    assert not near_orientation_mask(np.array([np.nan]), CARDINAL_DEG, 15.0)[0]
