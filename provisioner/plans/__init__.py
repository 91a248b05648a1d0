"""The plan as plain data (action, change, plan) and its one serialised form (planfile)."""
