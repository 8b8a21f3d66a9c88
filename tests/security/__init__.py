"""The attacker's-eye security suite. See docs/threat-model-figures.md.

This file makes tests/security a package on purpose: its modules import as
`security.test_fuzz`, `security.helpers`, ... With no __init__.py here,
pytest would import tests/security/helpers.py under the bare name
"helpers", clashing with tests/helpers.py, which every other test imports.
"""
