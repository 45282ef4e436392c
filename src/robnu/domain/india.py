"""India-specific reference data and checks: GST state codes, GSTIN checksum, pincode -> state.

GSTIN rules are statutory; the pincode-prefix table is approximate (docs/domain.md):
production should use India Post's directory; a prefix we cannot place answers ``None``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

GST_STATE_CODES: dict[str, str] = {
    "01": "Jammu & Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "26": "Dadra & Nagar Haveli and Daman & Diu",
    "27": "Maharashtra",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman & Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
}
STATE_NAME_TO_CODE: dict[str, str] = {name: code for code, name in GST_STATE_CODES.items()}

_GSTIN_RE = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")
_CH = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def gstin_check_char(first14: str) -> str:
    """The mod-36 check character of a GSTIN's first 14 characters."""
    total = 0
    for i, c in enumerate(first14):
        p = _CH.index(c) * (1 if i % 2 == 0 else 2)
        total += p // 36 + p % 36
    return _CH[(36 - total % 36) % 36]


def gstin_problem(gstin: str) -> str | None:
    """Why ``gstin`` is not a valid normal-taxpayer GSTIN, or ``None`` when it is."""
    if len(gstin) != 15:
        return "must be 15 characters"
    if not _GSTIN_RE.match(gstin):
        return "does not match the GSTIN pattern (state code, PAN, entity number, Z, checksum)"
    if gstin[:2] not in GST_STATE_CODES:
        return f"unknown state code {gstin[:2]}"
    if gstin_check_char(gstin[:14]) != gstin[14]:
        return "checksum character is wrong"
    return None


def make_gstin(state_code: str, pan: str, entity: str = "1") -> str:
    """Build a GSTIN with a valid checksum (used by the sandboxes' data generator)."""
    first14 = f"{state_code}{pan}{entity}Z"
    return first14 + gstin_check_char(first14)


# (prefix, state code); longer prefixes first so that the most specific wins.
_PINCODE_PREFIXES: list[tuple[str, str]] = sorted(
    [
        ("11", "07"),
        ("12", "06"),
        ("13", "06"),
        ("14", "03"),
        ("15", "03"),
        ("160", "04"),
        ("17", "02"),
        ("18", "01"),
        ("19", "01"),
        ("194", "38"),
        *[(str(p), "09") for p in range(20, 29)],
        ("246", "05"),
        ("248", "05"),
        ("249", "05"),
        ("263", "05"),
        *[(str(p), "08") for p in range(30, 35)],
        *[(str(p), "24") for p in range(36, 40)],
        *[(str(p), "27") for p in range(40, 45)],
        ("403", "30"),
        *[(str(p), "23") for p in range(45, 49)],
        ("49", "22"),
        ("50", "36"),
        ("51", "37"),
        ("52", "37"),
        ("53", "37"),
        *[(str(p), "29") for p in range(56, 60)],
        *[(str(p), "33") for p in range(60, 65)],
        ("605", "34"),
        ("67", "32"),
        ("68", "32"),
        ("69", "32"),
        ("6825", "31"),
        *[(str(p), "19") for p in range(70, 75)],
        ("737", "11"),
        ("744", "35"),
        ("75", "21"),
        ("76", "21"),
        ("77", "21"),
        ("78", "18"),
        ("790", "12"),
        ("791", "12"),
        ("792", "12"),
        ("793", "17"),
        ("794", "17"),
        ("795", "14"),
        ("796", "15"),
        ("797", "13"),
        ("798", "13"),
        ("799", "16"),
        *[(str(p), "10") for p in range(80, 86)],
        *[(str(p), "20") for p in (814, 815, 816, *range(822, 836))],
    ],
    key=lambda pair: -len(pair[0]),
)
# Prefixes the reference calls split between states: never a confident answer.
_AMBIGUOUS_PREFIXES = ("244", "247", "262", "396")


def state_code_for_pincode(pincode: str) -> str | None:
    """The GST state code a pincode belongs to, or ``None`` when the prefix map cannot say."""
    if not re.fullmatch(r"[1-9][0-9]{5}", pincode):
        return None
    if pincode.startswith(_AMBIGUOUS_PREFIXES):
        return None
    for prefix, code in _PINCODE_PREFIXES:
        if pincode.startswith(prefix):
            return code
    return None


class PincodeCheck(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"


def check_pincode_state(pincode: str, state_code: str) -> PincodeCheck:
    """``mismatch`` only when the prefix maps unambiguously to another state."""
    found = state_code_for_pincode(pincode)
    if found is None:
        return PincodeCheck.UNKNOWN
    return PincodeCheck.MATCH if found == state_code else PincodeCheck.MISMATCH


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    state_code: str
    pincode: str

    @property
    def state(self) -> str:
        return GST_STATE_CODES[self.state_code]


# Real city / state / pincode triples for generated addresses (a fixed table keeps them deterministic).
PLACES: tuple[Place, ...] = (
    Place("New Delhi", "07", "110001"),
    Place("Gurugram", "06", "122001"),
    Place("Ludhiana", "03", "141001"),
    Place("Chandigarh", "04", "160017"),
    Place("Shimla", "02", "171001"),
    Place("Lucknow", "09", "226001"),
    Place("Noida", "09", "201301"),
    Place("Dehradun", "05", "248001"),
    Place("Jaipur", "08", "302001"),
    Place("Jodhpur", "08", "342001"),
    Place("Ahmedabad", "24", "380001"),
    Place("Surat", "24", "395003"),
    Place("Mumbai", "27", "400001"),
    Place("Pune", "27", "411001"),
    Place("Panaji", "30", "403001"),
    Place("Bhopal", "23", "462001"),
    Place("Indore", "23", "452001"),
    Place("Raipur", "22", "492001"),
    Place("Hyderabad", "36", "500001"),
    Place("Visakhapatnam", "37", "530001"),
    Place("Bengaluru", "29", "560001"),
    Place("Mysuru", "29", "570001"),
    Place("Chennai", "33", "600001"),
    Place("Coimbatore", "33", "641001"),
    Place("Puducherry", "34", "605001"),
    Place("Kochi", "32", "682001"),
    Place("Thiruvananthapuram", "32", "695001"),
    Place("Kolkata", "19", "700001"),
    Place("Bhubaneswar", "21", "751001"),
    Place("Guwahati", "18", "781001"),
    Place("Patna", "10", "800001"),
    Place("Ranchi", "20", "834001"),
    Place("Gangtok", "11", "737101"),
    Place("Shillong", "17", "793001"),
    Place("Imphal", "14", "795001"),
    Place("Agartala", "16", "799001"),
)
