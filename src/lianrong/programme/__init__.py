"""The district programme (the work plan 三、四、五): the office's records, the lists that change what the
engine allows, and the live figures the 专班 reports every month.

Sub-packages, each a feature package of its own (model, errors, service, queries, schemas, api, console, cli):
``chains`` (chains, chain offices, members, the supply graph), ``whitelist`` (the core-enterprise white list,
pushes to banks, yearly renewal), ``blacklist`` (the black list, credit archive, credit repair) and
``targets`` (the 2027 targets, banks' monthly reports, the monthly 专班 report). Tables:
``lianrong.adapters.db.programme_tables``; switches: ``Policy.programme`` (``kernel/policy.py``).
"""
