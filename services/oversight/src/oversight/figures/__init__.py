"""Oversight's figures: the summary, the huddle worklist, the breach log and the /metrics gauges,
answered from the projection."""
