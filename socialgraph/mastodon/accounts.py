"""``/api/v1/accounts/...`` and the other account-side endpoints of the Mastodon API.

Thin views over the graph and account services (the same rules as the
native API: privacy, blocks, locked accounts); entities from
:mod:`socialgraph.mastodon.entities`. The mapping is in ``docs/mastodon.md``.
"""
from __future__ import annotations

from flask import jsonify

from socialgraph.mastodon import entities
from socialgraph.mastodon.auth import current_account_id, require_scope
from socialgraph.mastodon.blueprints import mastodon_blueprint

bp = mastodon_blueprint("mastodon_accounts", __name__)


@bp.get("/api/v1/accounts/verify_credentials")
@require_scope("read:accounts", "profile")
def verify_credentials():
    """The caller's ``CredentialAccount`` (``Account`` + ``source`` + ``role``)."""
    return jsonify(entities.credential_account(current_account_id()))
