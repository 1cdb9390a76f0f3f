"""Helpers the test modules share (worker processes, Redis faults, recorded keyspaces, the live
peers, waits on observable state); test modules import from here, never from each other."""
