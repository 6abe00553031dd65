"""``conformance compare``: the suite's corpus against several implementations, and where they behave differently.

Modules: ``targets`` (``--target NAME=URL,...``), ``collect`` (one target's run, kept in memory), ``observe`` (an
exchange as a case and an observation, volatile values normalised), ``diff`` (alignment, differences, allow rules),
``comparison`` (the whole comparison), ``render`` (terminal table, JSON, HTML section).
"""
