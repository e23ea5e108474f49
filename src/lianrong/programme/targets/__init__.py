"""The 2027 targets (work plan 三), banks' monthly reports and the monthly 专班 report (五): see ``figures``."""
