"""Loaded by schemathesis (SCHEMATHESIS_HOOKS) in tests/fuzz/run_schemathesis.sh.

On CPython 3.11, ast.parse() can raise SystemError "AST constructor recursion depth
mismatch" (python/cpython#106905) when Hypothesis parses schemathesis's own source to
describe a lambda passed to .filter(). The description only names the strategy in its
repr, yet the crash stopped every test of the operation. Here it falls back to the
description Hypothesis gives any lambda whose source it cannot read; generation and the
checks on responses are untouched.
"""

import functools

from hypothesis.internal import lambda_sources

_describe = lambda_sources._lambda_description


@functools.wraps(_describe)
def _lambda_description(f):
    try:
        return _describe(f)
    except SystemError:
        return "lambda: <unknown>"


lambda_sources._lambda_description = _lambda_description
