"""The spec stage: load → validate as published → repair (logged) → validate → lint."""
