"""Seeded Indian names, addresses and phone numbers for generated orders (never real people)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from robnu.domain.india import PLACES, Place

_FIRST = (
    "Aarav",
    "Vivaan",
    "Aditya",
    "Ananya",
    "Diya",
    "Ishaan",
    "Kavya",
    "Meera",
    "Rohan",
    "Saanvi",
    "Arjun",
    "Priya",
    "Neha",
    "Rahul",
    "Sneha",
    "Vikram",
    "Pooja",
    "Karan",
    "Anjali",
    "Siddharth",
)
_LAST = (
    "Sharma",
    "Verma",
    "Iyer",
    "Nair",
    "Reddy",
    "Patel",
    "Shah",
    "Gupta",
    "Singh",
    "Das",
    "Mukherjee",
    "Kulkarni",
    "Menon",
    "Rao",
    "Joshi",
    "Chopra",
    "Bose",
    "Pillai",
    "Yadav",
    "Khan",
)
_STREETS = (
    "MG Road",
    "Station Road",
    "Gandhi Nagar",
    "Nehru Street",
    "Park Street",
    "Civil Lines",
    "Sector 14",
    "Anna Salai",
    "Brigade Road",
    "Linking Road",
    "Ring Road",
    "Church Street",
)


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    phone: str
    address_line1: str
    place: Place


def random_person(rng: random.Random) -> Person:
    place = rng.choice(PLACES)
    return Person(
        name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
        phone=f"9{rng.randrange(10**8, 10**9):09d}",
        address_line1=f"{rng.randrange(1, 400)}, {rng.choice(_STREETS)}",
        place=place,
    )
