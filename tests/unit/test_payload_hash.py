from tools.publish.payload import canonical_json, content_hash


def test_hash_ignores_key_order_but_not_content() -> None:
    a = {"ticket": {"title": "t", "labels": ["x"]}, "action": "create_issue"}
    b = {"action": "create_issue", "ticket": {"labels": ["x"], "title": "t"}}
    assert canonical_json(a) == canonical_json(b)
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash({**a, "ticket": {"title": "t ", "labels": ["x"]}})
    assert len(content_hash(a)) == 64
