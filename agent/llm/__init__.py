"""The model-assisted triage stage (issue #5): model wiring, the consult loop, evidence checks and
the policy merge. The model only proposes; code decides (docs/threat-model.md)."""
