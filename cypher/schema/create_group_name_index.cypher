// Group listings and search are ordered by the lower-case name.
CREATE INDEX group_name_lower IF NOT EXISTS FOR (g:Group) ON (g.name_lower)
