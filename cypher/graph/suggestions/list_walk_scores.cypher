// The 3-step random-walk feature of the candidates $cands (a map {uid:
// true}): p3(s) = sum over s's friends w of p2(w) / k(w), p2 being the
// bounded 2-step walk from the viewer (list_candidates' `walk`) and k(w) w's
// friend count: the term by which personalised PageRank (T. Haveliwala,
// "Topic-sensitive PageRank", WWW 2002) reaches past common neighbours.
// $steps are rows {uid, q: p2(w)/k(w)} chosen in Python under the hub
// bounds (big w skipped, an expansion budget): each costs k(w) expansions,
// started from w, never from a (possibly hub) candidate. One row. $steps, $cands
UNWIND $steps AS st
MATCH (w:User {uid: st.uid})-[:FRIENDS_WITH]-(s:User)
WHERE $cands[s.uid] IS NOT NULL
WITH s, sum(st.q) AS p3
RETURN collect({uid: s.uid, p3: p3}) AS walks
