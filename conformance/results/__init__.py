"""What a run found, as a model below the suite: the suite produces it, every writer (JUnit, JSON, HTML, terminal,
transcript, evidence, compare) consumes it and nothing else."""
