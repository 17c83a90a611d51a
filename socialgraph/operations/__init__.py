"""Operations across every store: consistency checks (``socialgraph doctor``)."""
