"""The console's pages, one module per kind of organisation (plus the common ones)."""
