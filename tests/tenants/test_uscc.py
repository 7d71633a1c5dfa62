"""USCC validation (GB 32100-2015)."""

import pytest

from tenants.uscc import is_valid_uscc, uscc_error


@pytest.mark.parametrize("code", ["91330100799655058B", "91350100M000100Y43", "91440300708461136T"])
def test_real_codes_are_valid(code):
    """Published codes of real companies pass the check."""
    assert is_valid_uscc(code)


def test_lower_case_and_spaces_are_normalised():
    """A code typed in lower case with spaces is accepted."""
    assert is_valid_uscc(" 91330100799655058b ")


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91330100799655058C", "check_digit"),
        ("9133010079965505", "length"),
        ("91330100799655058BB", "length"),
        ("9133010079965505IB", "charset"),
        ("", "length"),
    ],
)
def test_invalid_codes_name_the_problem(code, problem):
    """Wrong check digit, length or characters are each reported."""
    assert uscc_error(code) == problem
