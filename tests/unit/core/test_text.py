from socialgraph.core.text import (
    extract_hashtags,
    extract_mentions,
    is_valid_username,
    normalise_tag,
)


def test_hashtags_normalised_unique_in_order():
    assert extract_hashtags("#Beer and #beer, #IPA! #2024 x#no #café") == ["beer", "ipa", "café"]
    assert extract_hashtags("") == [] and extract_hashtags(None) == []
    assert normalise_tag("#ＣＡＦÉ") == "café"  # NFKC folds full-width letters


def test_mentions():
    assert extract_mentions("hi @Alice_1 and @bob, mail a@b.com, @al") == ["alice_1", "bob"]
    assert extract_mentions("@x" + "y" * 40) == []


def test_username_rule():
    assert is_valid_username("fb_123")
    assert not is_valid_username("ab") and not is_valid_username("Bad-Name") and not is_valid_username("a" * 31)
