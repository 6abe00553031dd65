"""The suite's pytest modules and plugin: spec stage, stateless checks, lifecycle checks."""
