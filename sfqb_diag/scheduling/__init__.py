"""Scheduled runs: the run lock, the history of past runs with its trend, and diffs between runs."""
