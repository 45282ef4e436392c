"""Returns after the sync (issue 13): their life cycle, the receive scan and the claims they lead to."""
