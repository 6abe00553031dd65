"""The lifecycle's variants of a real id: each another id, at every position (prefix, inside, the end)."""

from __future__ import annotations

from conformance.stateful.variants import ID_VARIANTS, id_variant

REAL = "ps-661f87c614802d6c402cd82d"
SEEN = [id_variant(REAL, *kind).session_id for kind in ID_VARIANTS]


def test_every_variant_is_another_id():
    assert REAL not in SEEN and len(set(SEEN)) == len(SEEN)


def test_a_character_appended_at_the_end():
    assert {REAL + extra for extra in ["\n", "\x00", " ", "\t", "/", ".", "%00"]} <= set(SEEN)


def test_the_last_character_removed_and_the_id_cut_at_a_nul_or_a_newline():
    assert {REAL[:-1], REAL + "\x00x1", REAL + "\nx1"} <= set(SEEN)


def _differ_at(variant: str) -> int | None:
    """The one position where a same-length variant differs from the real id."""
    places = [i for i, (a, b) in enumerate(zip(REAL, variant, strict=True)) if a != b]
    return places[0] if len(places) == 1 else None


def test_one_character_replaced_or_its_case_changed_in_the_prefix_inside_and_at_the_end():
    single = [(i, variant) for variant in SEEN if len(variant) == len(REAL) and (i := _differ_at(variant)) is not None]
    cased = {i for i, variant in single if variant[i] == REAL[i].swapcase()}
    replaced = {i for i, variant in single if variant[i].lower() != REAL[i].lower()}
    for positions in (cased, replaced):
        assert min(positions) < 3 and any(3 <= i < 26 for i in positions) and 26 in positions, positions


def test_a_variant_changes_any_id_so_a_seed_sends_the_same_requests():
    """Ids are random: one whose tail has no letter still gets every variant (none collapses onto the id)."""
    digits = "ps-661f87c614802d6c40211111"
    assert all(id_variant(digits, *kind).session_id != digits for kind in ID_VARIANTS)
