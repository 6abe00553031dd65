"""Generation: what the suite sends. Hypothesis strategies of its own and schemathesis's phases."""
