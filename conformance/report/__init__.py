"""Reports: failure texts, the JUnit file, the terminal summary."""
