"""Reports: read models of the journal for analysis (class averages and, later, summaries)."""
