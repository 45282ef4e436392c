"""Claims and disputes (issue 13): the state machine, evidence packets and the daily sweeper."""
