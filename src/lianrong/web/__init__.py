"""The console's kit (Jinja2 + HTMX + vendored ECharts): rendering, forms, the page dependencies, i18n.

The features' pages build on it; ``entrypoints/console/app.install`` mounts them on the FastAPI app.
"""
