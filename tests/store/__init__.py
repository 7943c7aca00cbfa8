"""Question log, analytics and admin report."""
