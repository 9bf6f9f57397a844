"""The claims tables of the lectures, one module per week (``weekN.py``).

See ``tests/lecture_claims.py`` for the API and ``tests/test_lecture_claims.py`` for
what is checked.
"""
