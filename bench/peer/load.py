"""Create the peer's tables and COPY the TSV files of ``sys.argv[1]`` into them:
users.tsv (id, username), follows.tsv (follower_id, followee_id),
posts.tsv (author_id, created_at ISO, text), tokens.tsv (key, user_id)."""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer.settings")
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

src = Path(sys.argv[1])
t0 = time.perf_counter()
call_command("migrate", verbosity=0)
tables = {
    "auth_user": ("users.tsv", "id, username, password, is_superuser, first_name, last_name, email, is_staff,"
                  " is_active, date_joined", lambda r: [r[0], r[1], "!", "f", "", "", "", "f", "t", "2020-01-01"]),
    "social_follow": ("follows.tsv", "follower_id, followee_id, created_at", lambda r: [r[0], r[1], "2020-01-01"]),
    "social_post": ("posts.tsv", "author_id, created_at, text", lambda r: r),
    "authtoken_token": ("tokens.tsv", "key, user_id, created", lambda r: [r[0], r[1], "2020-01-01"]),
}
with connection.cursor() as c:
    raw = c.cursor
    for table, (fname, cols, shape) in tables.items():
        raw.execute(f"TRUNCATE {table} CASCADE")
        with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
            for line in (src / fname).read_text(encoding="utf-8").splitlines():
                cp.write_row(shape(line.split("\t", 2)))
    raw.execute("SELECT setval(pg_get_serial_sequence('auth_user','id'), (SELECT max(id) FROM auth_user))")
    raw.execute("ANALYZE")
    raw.execute("SELECT pg_database_size(current_database())")
    size = raw.fetchone()[0]
print(f"peer loaded in {time.perf_counter() - t0:.1f} s, database {size / 1e6:.1f} MB")
