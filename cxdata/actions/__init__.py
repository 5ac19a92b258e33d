"""Actions: what to do about a finding: the ROI planner, initiatives and alerts."""
