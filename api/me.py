"""``/api/v1/me``: the caller's own account and profile."""
from __future__ import annotations

from flask_smorest import Blueprint

from socialgraph.accounts import service as accounts

from .schemas import AccountOut, ProfilePatch
from .security import auth_required, current_uid

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The caller's account")


@blp.route("", methods=["GET"])
@auth_required(blp)
@blp.response(200, AccountOut)
def get_me():
    """The caller's account, profile and follow counts."""
    return accounts.get_me(current_uid())


@blp.route("", methods=["PATCH"])
@auth_required(blp)
@blp.arguments(ProfilePatch)
@blp.response(200, AccountOut)
def patch_me(body):
    """Change display name (1..80 characters) and/or bio (0..500 characters)."""
    return accounts.update_me(current_uid(), body.get("display_name"), body.get("bio"))
