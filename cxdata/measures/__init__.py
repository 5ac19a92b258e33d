"""Measures: the frames every number is computed on (contacts, customers, panel), the metric registry, intervals, periods, journeys and voice."""
