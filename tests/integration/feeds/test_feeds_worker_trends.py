"""Fan-out through a real RQ worker (SimpleWorker, burst mode) and the trends job."""
from __future__ import annotations

from datetime import timedelta

from socialgraph import stores
from socialgraph.content import posts
from socialgraph.content import reactions
from socialgraph.core import clock, events
from socialgraph.feeds import home as feeds
from socialgraph.feeds import trends
from socialgraph.importers import set_degree_counts
from tests.conftest import unique


def test_fanout_in_batches_through_a_real_rq_worker(app_config, request):
    """With RQ_ASYNC on, creating a post only queues jobs; a worker in burst mode
    then fills the followers' feeds in batches (FEED_FANOUT_BATCH = 2 here)."""
    from rq import SimpleWorker

    from socialgraph.accounts import service as accounts
    from socialgraph.app import create_app

    queue_name = unique("q")
    app = create_app({**app_config, "RQ_ASYNC": True, "RQ_QUEUE": queue_name, "RQ_FEED_QUEUE": queue_name + "-feeds", "FEED_FANOUT_BATCH": 2})
    request.addfinalizer(app.extensions["socialgraph"].close)
    with app.app_context():
        author = accounts.register(unique("au"), f"{unique('m')}@example.test", "a long enough password")
        followers = [accounts.register(unique("fo"), f"{unique('m')}@example.test", "a long enough password")
                     for _ in range(5)]
        g = stores.graph()
        g.write("importers/merge_follows", rows=[{"a": f["uid"], "b": author["uid"]} for f in followers],
                created_at=clock.now())
        set_degree_counts([author["uid"], *(f["uid"] for f in followers)])  # as an import does
        for f in followers[:4]:
            feeds.rebuild_feed(f["uid"])  # four active followers, one inactive
        post = posts.create_post(author["uid"], "queued, not yet fanned out")
        tq = stores.tasks()
        q = tq.queue(tq.queue_name_for("jobs.feeds.fanout_batch"))
        assert q.name == app.config["RQ_FEED_QUEUE"] != app.config["RQ_QUEUE"]  # fan-out has its own queue
        # workers take it right after notifications and mail, before the default and heavy lanes
        assert tq.queue_names.index(q.name) == 1
        assert tq.queue_names.index(q.name) < tq.queue_names.index(app.config["RQ_QUEUE"])
        assert q.count >= 1
        assert not stores.cache().zscore(feeds.FEED_KEY.format(uid=followers[0]["uid"]), post["id"])
        worker = SimpleWorker([q], connection=stores.cache())
        assert worker.work(burst=True)
        for f in followers[:4]:
            assert stores.cache().zscore(feeds.FEED_KEY.format(uid=f["uid"]), post["id"]) is not None
        assert not stores.cache().exists(feeds.FEED_KEY.format(uid=followers[4]["uid"]))
        # fan-out = 1 job + 3 batches of <= 2 followers, all finished
        from rq.registry import FinishedJobRegistry

        finished = [q.fetch_job(j) for j in FinishedJobRegistry(queue=q).get_job_ids()]
        assert [j.func_name for j in finished].count("jobs.feeds.fanout_batch") == 3
        # the post's subscribers ran in one job on the feed lane (events.ONE_JOB), the fan-out first
        runs = [j for j in finished if j.func_name == events.RUNNER]
        assert len(runs) == 1 and runs[0].kwargs["subscribers"][0] == "jobs.feeds.fanout_post_event"
    # its stores are not closed: neomodel's process-wide connection now points at
    # this app's driver, which the session's other tests keep using


def test_trends_score_observed_against_expected_with_decay(ctx):
    tag_hot, tag_flat = unique("hot").replace("_", ""), unique("flat").replace("_", "")
    t0 = clock.now()
    try:
        # yesterday: 2 accounts used each tag; today: 8 use the hot one, 2 the flat one
        clock.set_clock(lambda: t0 - timedelta(hours=30))
        for i in range(2):
            posts.create_post(f"acct{i}", f"#{tag_hot} #{tag_flat}")
        clock.set_clock(lambda: t0 - timedelta(hours=1))
        for i in range(8):
            posts.create_post(f"acct{i}", f"today #{tag_hot}")
        for i in range(2):
            posts.create_post(f"acct{i}", f"today #{tag_flat}")
        hot_post = posts.create_post("acct_star", "everyone reacts")
        for i in range(7):
            reactions.react("post", hot_post["id"], f"fan{i}", "like")
        clock.set_clock(lambda: t0)
        trends.compute()
        tags = {r["tag"]: r for r in trends.trending_tags()["items"]}
        assert tag_flat not in tags  # observed (2) below the threshold of 5
        assert tags[tag_hot]["accounts"] == 8 and tags[tag_hot]["expected"] == 2
        assert abs(tags[tag_hot]["score"] - 18.0) < 1e-9  # Mastodon: (observed - expected)^2 / expected = (8-2)^2/2
        post_ids = [p["id"] for p in trends.trending_posts()["items"]]
        assert hot_post["id"] in post_ids
        client = ctx.test_client()
        api_tags = client.get("/api/v1/trends/tags").get_json()["items"]
        hot = [t for t in api_tags if t["tag"] == tag_hot]
        assert [(t["accounts"], t["expected"], round(t["score"], 9)) for t in hot] == [(8, 2, 18.0)]
        api_posts = client.get("/api/v1/trends/posts").get_json()["items"]
        # 7 reactions, an hour old: (7 - 1)^2 halved once (half-life 1 h) = 18
        assert [round(p["trend_score"], 6) for p in api_posts if p["id"] == hot_post["id"]] == [18.0]
        # two hours later nothing new: the tag's score has halved (half-life 2 h)
        clock.set_clock(lambda: t0 + timedelta(hours=2))
        trends.compute()
        later = {r["tag"]: r for r in trends.trending_tags()["items"]}
        assert abs(later[tag_hot]["score"] - 9.0) < 1e-6
    finally:
        clock.set_clock(None)
        # the posts of these made-up authors go again (the doctor at the end of
        # the session reports posts whose author does not exist)
        db = stores.mongo()
        made = [d["_id"] for d in db.posts.find({"$or": [{"hashtags": {"$in": [tag_hot, tag_flat]}},
                                                         {"author_id": "acct_star"}]}, {"_id": 1})]
        for oid in made:
            db.posts.delete_one({"_id": oid})
            posts.purge_post(str(oid))
    # the job re-schedules itself once per slot
    assert trends.schedule_next(300) in ("scheduled", "duplicate")
    assert trends.schedule_next(300) == "duplicate"


def test_trends_scan_reads_from_a_secondary_when_there_is_one(ctx):
    """The periodic scan asks for ``secondaryPreferred``; request paths keep the primary."""
    from pymongo.read_preferences import Primary, SecondaryPreferred

    assert stores.analytics_mongo().read_preference == SecondaryPreferred()
    assert stores.mongo().read_preference == Primary()
    assert set(trends.compute()) == {"tags", "posts"}  # the stand-in server accepts the preference


def test_an_author_with_one_partial_batch_of_followers_is_fanned_out_in_the_posts_own_job(app_config, request):
    """Fewer followers than FEED_FANOUT_BATCH: the post's job writes their feeds
    itself, no fanout_batch job is queued (its RQ bookkeeping cost more than the batch)."""
    from rq import SimpleWorker
    from rq.registry import FinishedJobRegistry

    from socialgraph.accounts import service as accounts
    from socialgraph.app import create_app

    queue_name = unique("q")
    app = create_app({**app_config, "RQ_ASYNC": True, "RQ_QUEUE": queue_name, "RQ_FEED_QUEUE": queue_name + "-feeds",
                      "FEED_FANOUT_BATCH": 10})
    request.addfinalizer(app.extensions["socialgraph"].close)
    with app.app_context():
        author = accounts.register(unique("au"), f"{unique('m')}@example.test", "a long enough password")
        followers = [accounts.register(unique("fo"), f"{unique('m')}@example.test", "a long enough password")
                     for _ in range(3)]
        stores.graph().write("importers/merge_follows", rows=[{"a": f["uid"], "b": author["uid"]} for f in followers],
                             created_at=clock.now())
        set_degree_counts([author["uid"], *(f["uid"] for f in followers)])
        for f in followers:
            feeds.rebuild_feed(f["uid"])
        post = posts.create_post(author["uid"], "one partial batch")
        tq = stores.tasks()
        q = tq.queue(tq.queue_name_for("jobs.feeds.fanout_batch"))
        assert SimpleWorker([q], connection=stores.cache()).work(burst=True)
        for f in followers:
            assert stores.cache().zscore(feeds.FEED_KEY.format(uid=f["uid"]), post["id"]) is not None
        finished = [q.fetch_job(j) for j in FinishedJobRegistry(queue=q).get_job_ids()]
        assert [j.func_name for j in finished] == [events.RUNNER]  # the post's subscribers, nothing else
