from robnu.domain.india import PincodeCheck, check_pincode_state, gstin_problem, make_gstin, state_code_for_pincode


def test_reference_gstins_validate() -> None:
    for gstin in ("27AAPFU0939F1ZV", "29AAGCB7383J1Z4", "08ABCDE1234F1Z0", "08AAACZ9999Z1ZC"):
        assert gstin_problem(gstin) is None, gstin


def test_bad_gstins_say_why() -> None:
    assert gstin_problem("27AAPFU0939F1ZX") == "checksum character is wrong"
    assert gstin_problem("27AAPFU0939F1Z") == "must be 15 characters"
    assert "pattern" in (gstin_problem("27aapfu0939f1zv") or "")
    assert gstin_problem(make_gstin("99", "ABCDE1234F")) == "unknown state code 99"


def test_make_gstin_round_trips() -> None:
    assert make_gstin("27", "AAPFU0939F") == "27AAPFU0939F1ZV"


def test_pincode_state() -> None:
    assert state_code_for_pincode("110001") == "07"
    assert state_code_for_pincode("403001") == "30"  # Goa inside Maharashtra's 40-44
    assert state_code_for_pincode("737101") == "11"  # Sikkim inside West Bengal's 70-74
    assert check_pincode_state("110001", "27") is PincodeCheck.MISMATCH  # reference's own example
    assert check_pincode_state("396001", "24") is PincodeCheck.UNKNOWN  # shared prefix
    assert check_pincode_state("12345", "07") is PincodeCheck.UNKNOWN
