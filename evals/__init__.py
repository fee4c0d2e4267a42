"""Triage-quality evaluation: labelled datasets, scorers, the eval runner and its reports.

The top layer: it may import every other package, and nothing imports it.
"""
