"""Union-find: merging, connectivity, and groups listed in the order of their first member."""

from crafteditor.model.unionfind import DisjointSet


def test_disjoint_set_groups_in_order_of_first_member():
    groups = DisjointSet(7)
    assert groups.merge(5, 1) and groups.merge(3, 6) and groups.merge(6, 1)
    assert not groups.merge(3, 5)
    assert groups.connected(1, 3) and not groups.connected(0, 1)
    subsets = groups.subsets()
    assert [sorted(s) for s in subsets] == [[0], [1, 3, 5, 6], [2], [4]]
    assert groups.subset(6) == {1, 3, 5, 6}
