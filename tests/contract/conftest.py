"""Prints which peers the contract ran against and why the others were skipped."""

from __future__ import annotations

from typing import Any

from .peers import PEERS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.section("contract peers")
    for peer in PEERS:
        state = "used" if peer.why_absent is None else f"skipped: {peer.why_absent}"
        terminalreporter.write_line(f"{peer.name:<14} {state}")
        for scenario, why in sorted(peer.cannot.items()):
            if peer.why_absent is None:
                terminalreporter.write_line(f"{'':<14}   {scenario}: not played ({why})")
