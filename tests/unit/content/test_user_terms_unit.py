"""Name terms of the user-search index (no servers)."""
from socialgraph.graph.usersearch import name_terms


def test_name_terms_fold_case_accents_and_split_display_words():
    assert name_terms("ada_l", "Ada (Zoë) LOVELACE!") == ["ada", "ada_l", "lovelace", "zoe"]
    assert name_terms(None, None) == [] and name_terms("bob", "") == ["bob"]
