"""Judging traffic the suite did not send: recordings (HAR, the suite's transcript, newline-delimited JSON) and live
traffic through a reverse proxy, by the same checks and the same reference model as a run, into the same RunResult
the run's writers write. Nothing here sends a request of its own."""
