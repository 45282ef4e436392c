"""Read models the dashboard shows (issue 12). Every function takes a session and the seller whose rows it may
read, and filters on that seller itself: the caller's scope is a second wall, not the only one."""
