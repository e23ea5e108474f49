"""Industrial chains (产业链), their chain offices (链办) and members with a role and a tier.

Who sees what (decided in ``model.chain_visible``, used by every path):

- the district office (and the system) sees and changes every chain;
- a chain office sees and changes its own chains only (``chain.office_id``); another chain is "not found";
- a bank reads every active chain (the list, the members and the graph's structure, not the trade amounts
  between enterprises, which are not its business): banks lend to chain members;
- an enterprise reads the active chains it currently belongs to (members and graph; amounts only on the
  edges it is a party to); any other chain is "not found".

Chains are created and configured by the district office only; members are added, updated and removed
(``left_on`` set, never deleted) by the chain's own office or the district office. Chain configuration is
not a money decision: an operator or an approver of the office may do it (no maker–checker).
"""
