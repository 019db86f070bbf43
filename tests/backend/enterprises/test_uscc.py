import pytest

from backend.demo import demo_uscc
from backend.enterprises.uscc import check_character, uscc_problem


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "91110000600037341L", "91110108551385082Q"],
)
def test_real_world_codes_are_valid(code):
    assert uscc_problem(code) is None


def test_wrong_check_character_is_reported():
    assert "check character" in uscc_problem("91350100M000100Y44")


@pytest.mark.parametrize("code", ["9135010", "91350100M000100Y4399"])
def test_wrong_length_is_reported(code):
    assert "18 characters" in uscc_problem(code)


def test_forbidden_letters_are_reported():
    # I, O, S, V and Z are not in the GB 32100 alphabet.
    assert "not allowed" in uscc_problem("91350100M000100IO3")


def test_check_character_zero_case():
    # When the weighted sum is a multiple of 31 the check character is "0", not index 31.
    codes = [demo_uscc(number) for number in range(2000)]
    assert all(uscc_problem(code) is None for code in codes)
    assert any(code.endswith("0") for code in codes)
    assert all(check_character(code[:17]) == code[17] for code in codes)
