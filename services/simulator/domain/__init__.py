"""The simulator's pure domain: scenarios, clock, hazard fields, observations and impacts."""
