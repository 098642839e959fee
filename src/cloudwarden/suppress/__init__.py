"""Suppressions: accepted risks turned into MUTED results, with the reason kept beside them.

This room reads a suppressions file (cloudwarden's own YAML, or Prowler's mutelist) and applies its
rules to the findings of one assessment. It sits between `checks` (whose catalogue maps Prowler's
check names to ours) and `assess` (which calls it), and never touches AWS.
"""

from cloudwarden.suppress.loader import DEFAULT_FILE, load_rules, parse_rules
from cloudwarden.suppress.rules import Rule, RuleSet, SuppressionOutcome, apply_rules
from cloudwarden.suppress.tags import tag_index

__all__ = ["DEFAULT_FILE", "Rule", "RuleSet", "SuppressionOutcome", "apply_rules", "load_rules", "parse_rules", "tag_index"]
