"""Exact polynomials: canonical equality, cancellation, exact fractions."""

from fractions import Fraction

from hypothesis import given, settings, strategies as st

from symconv.core.poly import Poly, poly_sum, product_of
from symconv.core.tensors import Role, Tensor

A = Tensor("a", (3,), Role.INPUT, naming="flat", rank=1, leading_axes=("n", "c"))
B = Tensor("b", (2,), Role.WEIGHT, naming="flat", rank=2, leading_axes=("f", "c"))
a0, a1, a2 = A.entries()
b0, b1 = B.entries()


def test_equality_ignores_order_and_cancels():
    left = Poly.lift(a0) * b1 + Poly.lift(a1) * b0
    right = Poly.lift(b0) * a1 + Poly.lift(b1) * a0
    assert left == right
    assert left - right == 0
    assert (left - right).terms == {}


def test_products_sort_their_symbols_and_collect_powers():
    square = (Poly.lift(a0) + b0) * (Poly.lift(a0) + b0)
    assert square.terms == {(a0, a0): 1, (a0, b0): 2, (b0, b0): 1}


def test_fractions_stay_exact_and_integers_stay_int():
    half = product_of((Fraction(1, 2), a2))
    total = half + half
    assert total.terms == {(a2,): 1} and type(total.terms[(a2,)]) is int
    assert poly_sum([Fraction(1, 3)] * 3) == 1
    assert Poly.lift(Fraction(3, 4)).number == Fraction(3, 4)


def test_zero_factor_gives_the_zero_polynomial():
    assert product_of((0, a1)).terms == {}
    assert poly_sum([]) == 0 and poly_sum([]).is_number


def test_sorted_terms_put_constants_last():
    poly = Poly.lift(3) + product_of((2, b1)) + a0
    assert [m for m, _ in poly.sorted_terms()] == [(a0,), (b1,), ()]


@settings(max_examples=60, deadline=None)
@given(terms=st.dictionaries(st.lists(st.sampled_from([a0, a1, a2, b0, b1]), max_size=3).map(
    lambda atoms: tuple(sorted(atoms))), st.integers(-3, 3).filter(bool), max_size=12),
       count=st.integers(0, 14))
def test_the_first_terms_are_those_of_the_sorted_terms(terms, count):
    """Poly.first_terms (a long sum cut short without copying it) against the sorted terms cut."""
    poly = Poly(dict(terms))
    first = poly.first_terms(count)
    assert list(first.terms.items()) == poly.sorted_terms()[:count]
    assert first.sorted_terms() == poly.sorted_terms()[:count]
