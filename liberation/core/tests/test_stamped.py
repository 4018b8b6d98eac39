"""StampedCache: built once per stamp, rebuilt when the stamp changes."""

from liberation.core.stamped import Later, StampedCache


def test_builds_once_per_stamp():
    stamp = {"value": 1}
    builds = []

    def build(at):
        builds.append(at)
        return f"copy at {at}"

    cache = StampedCache(stamp=lambda: stamp["value"], build=build)
    assert cache.get() == "copy at 1"
    assert cache.get() == "copy at 1"
    assert builds == [1]
    stamp["value"] = 2
    assert cache.get() == "copy at 2"
    assert cache.get() == "copy at 2"
    assert builds == [1, 2]


def test_a_held_copy_answers_while_the_new_one_is_later():
    stamp = {"value": 1}
    ready = {"value": False}

    def build_or_later(at):
        if not ready["value"]:
            raise Later
        return f"copy at {at}"

    cache = StampedCache(
        stamp=lambda: stamp["value"],
        build=lambda at: f"copy at {at}",
        build_or_later=build_or_later,
    )
    assert cache.get() == "copy at 1"  # nothing held: `build`, which never says later
    stamp["value"] = 2
    assert cache.get() == "copy at 1"  # the new copy is not ready: the held one answers
    ready["value"] = True
    assert cache.get() == "copy at 2"
