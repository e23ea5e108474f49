"""HTML/CSS templates rendered to PDF by WeasyPrint (package data, not code)."""
