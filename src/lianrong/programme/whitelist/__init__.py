"""The core-enterprise white list (work plan 四.4): chain offices propose core enterprises with the criteria's
evidence, the district office reviews (maker–checker), approval publishes the entry and pushes it to every
bank, which acknowledges it; a yearly renewal round with figures computed from the ledger; revocation with a
reason; every version kept (``whitelist_event``). Issuing a voucher needs the core on the list (cfg)."""
