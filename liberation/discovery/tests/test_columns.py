"""The columnar copy of the index entries (postings.Column, Snapshot.facts)."""

from datetime import date

import numpy as np

from liberation.discovery.postings import FACTS, Column, Snapshot


def test_column_keeps_each_value_once_and_every_position_across_chunks():
    column = Column()
    values = [f"theme-{i % 7}" for i in range(20_000)] + [None, "", date(1944, 8, 25)]
    for value in values:
        column.add(value)
    column.close()
    assert len(column.codes) == len(values)
    assert column.codes.dtype == np.int32
    assert len(column.values) == 10  # 7 themes, None, "", one date
    assert [column[i] for i in range(len(values))] == values
    assert column.code_of("theme-3") == column.codes[3]
    assert column.code_of("unknown") == -1


def test_snapshot_gives_the_facts_of_an_entry_in_order_and_compares_languages():
    rows = [
        ("page", "fr", "|t1|", "", "|1|", date(1944, 6, 6), 10, "|14|", "k1"),
        ("event", "en", "", "|p|", "", None, None, "|75|", ""),
        ("page", "en", "|t1|", "", "", None, 11, "", "k1"),
    ]
    columns = {name: Column() for name in FACTS}
    for row in rows:
        for name, value in zip(FACTS, row, strict=True):
            columns[name].add(value)
    snapshot = Snapshot(
        version=1,
        ids=np.array([1, 2, 3], dtype=np.int64),
        columns={name: column.close() for name, column in columns.items()},
    )
    assert [snapshot.facts(i) for i in range(3)] == rows
    assert snapshot.lang_is("en", np.array([0, 1, 2])).tolist() == [False, True, True]
    assert snapshot.lang_is("de", np.array([0, 1, 2])).tolist() == [False, False, False]


def test_extend_matches_add_and_converts_once_per_distinct_value():
    converted = []

    def convert(value):
        converted.append(value)
        return date.fromisoformat(value) if isinstance(value, str) else value

    by_add, by_extend = Column(convert=convert), Column(convert=convert)
    values = [f"1944-0{1 + i % 9}-01" for i in range(30_000)] + [None]
    for value in values[:5]:  # add and extend may be mixed: positions are kept
        by_extend.add(value)
    by_extend.extend(values[5:17_000])
    by_extend.extend(values[17_000:])
    for value in values:
        by_add.add(value)
    converted.clear()
    by_extend.close()
    assert len(converted) == 10  # nine dates and None, not 30,001 entries
    by_add.close()
    assert by_extend.codes.tolist() == by_add.codes.tolist()
    assert [by_extend[i] for i in (0, 8, 30_000)] == [date(1944, 1, 1), date(1944, 9, 1), None]
