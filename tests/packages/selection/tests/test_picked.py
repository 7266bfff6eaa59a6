import picked


def test_answer():
    assert picked.answer() == 42
