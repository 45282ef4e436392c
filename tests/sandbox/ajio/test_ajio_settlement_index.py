"""The lazy settlement index: ``money_times`` dates exactly what ``order_lines`` would date."""

from robnu.sandbox.ajio import build_sandbox
from robnu.sandbox.ajio.settlement import RateCard, money_times, order_lines


def test_money_times_match_the_lines(clock):
    sb = build_sandbox(seed=11, clock=clock, rate_limits_enabled=False)
    pob = sb.create_account(catalog_size=80)["pob_id"]
    sb.generate_orders(pob, 3000, days=60)
    book = sb.world.book(pob)
    card = RateCard()
    with_money = 0
    for order in book.orders:
        rets = [book.returns_by_id[r] for r in order.return_ids]
        lines = order_lines(order, rets, card)
        assert set(money_times(order, rets, card)) == {ln.ts for ln in lines}, order.order_id
        with_money += bool(lines)
    assert with_money > 1000


def test_statements_agree_with_eager_lines(clock):
    sb = build_sandbox(seed=12, clock=clock, rate_limits_enabled=False)
    pob = sb.create_account()["pob_id"]
    sb.generate_orders(pob, 800, days=60)
    book = sb.world.book(pob)
    everything = []
    for order in book.orders:
        everything += order_lines(order, [book.returns_by_id[r] for r in order.return_ids], sb.world.card)
    for cycle in sb.world.cycles(book):
        inside = sorted(
            (ln for ln in everything if cycle.start_ts <= ln.ts < cycle.end_ts), key=lambda ln: (ln.ts, ln.order_id)
        )
        assert sb.world.statement(book, cycle) == inside
