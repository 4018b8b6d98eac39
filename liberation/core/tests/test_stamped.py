"""StampedCache: built once per stamp, rebuilt when the stamp changes."""

from liberation.core.stamped import StampedCache


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
