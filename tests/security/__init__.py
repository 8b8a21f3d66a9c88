"""The attacker's-eye security suite (issue 7). See docs/threat-model-figures.md.

This file makes tests/security a package on purpose: its modules import as
`security.test_fuzz`, `security.conftest`, ... With no __init__.py here,
pytest would import tests/security/conftest.py under the bare name
"conftest", replacing tests/conftest.py in sys.modules, and every
`from conftest import make_token` collected afterwards would break.
"""
