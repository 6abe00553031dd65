"""``conformance compare``: the suite's corpus against several implementations, or several recordings of one
client's traffic, and where they behave differently.

Modules: ``targets`` (``--target NAME=URL,...``, ``--recording NAME=FILE,...``), ``collect`` (one target's run, kept
in memory), ``recordings`` (recordings judged and paired exchange by exchange), ``observe`` (an exchange as a case and
an observation, volatile values normalised), ``diff`` (alignment, differences, allow rules), ``comparison`` (the
whole comparison), ``render`` (terminal table, JSON, HTML section).
"""
