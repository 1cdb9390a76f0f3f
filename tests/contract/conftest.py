"""Prints which peers the contract ran against and why the others were skipped."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # imported here, not at the top: tests/support/ruby_peer.py must not be imported before
    # tests/conftest.py's pytest_configure has read --ruby
    from .peers import PEERS

    terminalreporter.section("contract peers")
    for peer in PEERS:
        state = f"used: {peer.version()}" if peer.why_absent is None else f"skipped: {peer.why_absent}"
        terminalreporter.write_line(f"{peer.name:<14} {state}")
        for scenario, why in sorted(peer.cannot.items()):
            if peer.why_absent is None:
                terminalreporter.write_line(f"{'':<14}   {scenario}: not played ({why})")
