"""How the chaos runs tell the longest pause of the pipeline at a fault (tests/chaos_load.py), from
the moments the agencies saw it move."""

from __future__ import annotations

from chaos_load import longest_pause


def test_the_widest_gap_between_moves_from_the_fault_on() -> None:
    moves = [1.0, 2.0, 3.0, 9.0, 9.5, 10.0]
    assert longest_pause(moves, start=3.5, end=10.0) == 5.5  # stood still from the fault at 3.5 until 9


def test_no_move_at_all_during_the_fault_is_one_pause_to_its_end() -> None:
    assert longest_pause([1.0], start=2.0, end=7.0) == 5.0
    assert longest_pause([], start=2.0, end=7.0) == 5.0


def test_moves_outside_the_fault_window_do_not_count() -> None:
    assert longest_pause([0.0, 1.5, 1.75, 20.0], start=1.0, end=2.0) == 0.5
