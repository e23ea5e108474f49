"""The district programme's black list, credit archive and credit repair (work plan 四.12).

An entry names an enterprise, or a principal of one (法定代表人, 实际控制人: name and resident ID number),
with its source, reason, severity and evidence. The district office's operator proposes it, its approver lists
it (maker–checker); a listed entry bars, by its severity (``ctx.policy.programme.effects``), the actions of
the enterprise through the engine's one restriction mechanism (``parties.restricting``: one
``party_restriction`` row per barred action, ``source = 'blacklist:<entry id>'``), so every refusal names the
entry. Removal (a correction, or an approved credit repair) lifts them.

Principals: the engine keeps no principal data on parties, so a principal's entry restricts the enterprise the
district names with it (``party_id``); a person who leads several enterprises is entered once per enterprise,
and the entry page lists the other entries of the same ID number.
"""
