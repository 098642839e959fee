"""Week-after-week views over assessments: what changed, history, shared responsibility, account strategy.

This room sits between `assess` (whose results and checks it reuses) and `report`. Each view is
plain JSON-able data (`to_dict`) that the reporters can show; nothing here touches AWS.
"""
