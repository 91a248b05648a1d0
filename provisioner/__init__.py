"""provisioner: plan/apply/drift for advertising campaigns kept as YAML in git."""
