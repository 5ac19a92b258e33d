"""Models: the fitted experience, churn and driver models, revenue at risk, and one version analysed."""
