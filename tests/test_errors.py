"""helpers.data.errors: a DataError's text can be printed safely, and survives pickling."""
import pickle

from helpers.data.errors import DataError


def test_messages_escape_control_characters():
    e = DataError("data/x\x1b.csv", "bad \x1b[31m\u202e\n value", 3, 4, code="type-error")
    assert str(e) == "data/x\\x1b.csv:3:4: bad \\x1b[31m\\u202e\\x0a value"
    assert e.code == "type-error"
    again = pickle.loads(pickle.dumps(e))
    assert (again.path, again.message, again.line, again.column, again.code) == \
        (e.path, e.message, e.line, e.column, e.code)
    assert DataError("x", "y", code="<b>bad code</b>").code == "data-error"
