"""``/api/v1/conversations``: direct messages (one-to-one and small groups)."""
from __future__ import annotations

from flask_smorest import Blueprint

from socialgraph.messaging import messages

from .realtime_schemas import (
    ConversationIn,
    ConversationOut,
    ConversationPage,
    DirectMessageOut,
    DirectMessagePage,
    MessageIn,
    ReadIn,
    ReadOut,
    UnreadConversationsOut,
)
from .schemas import PageArgs
from .security import auth_required, current_uid

blp = Blueprint("messages", __name__, url_prefix="/api/v1/conversations", description="Direct messages")


def _page(page):
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("", methods=["POST"])
@auth_required(blp)
@blp.arguments(ConversationIn)
@blp.response(201, ConversationOut)
def start(body):
    """Start a conversation with ``members`` (usernames; one = direct, reused if it exists).
    404 unknown or blocked user, 403 when a member does not accept messages from the caller."""
    return messages.start_conversation(current_uid(), body["members"], body.get("title"))


@blp.route("", methods=["GET"])
@auth_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, ConversationPage)
def list_conversations(args):
    """The caller's conversations, most recently active first; cursor pagination."""
    return _page(messages.list_conversations(current_uid(), args.get("cursor"), args["limit"]))


@blp.route("/unread-count", methods=["GET"])
@auth_required(blp)
@blp.response(200, UnreadConversationsOut)
def unread_count():
    """How many of the caller's conversations have unread messages (the badge of the
    Messages tab; each conversation's ``unread_count`` says how many messages). It
    changes with every ``message`` frame from someone else and every own ``read`` frame."""
    return messages.unread_summary(current_uid())


@blp.route("/<string:conversation_id>", methods=["GET"])
@auth_required(blp)
@blp.response(200, ConversationOut)
def get(conversation_id):
    """One conversation (members only; 404 otherwise)."""
    return messages.get_conversation(current_uid(), conversation_id)


@blp.route("/<string:conversation_id>/messages", methods=["GET"])
@auth_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, DirectMessagePage)
def history(args, conversation_id):
    """Message history, newest first; cursor pagination."""
    return _page(messages.history(current_uid(), conversation_id, args.get("cursor"), args["limit"]))


@blp.route("/<string:conversation_id>/messages", methods=["POST"])
@auth_required(blp)
@blp.arguments(MessageIn)
@blp.response(201, DirectMessageOut)
def send(body, conversation_id):
    """Send a message; delivered to the members' WebSockets. 422 empty/too long,
    404 blocked, 403 not accepted, 429 flooding."""
    return messages.send_message(current_uid(), conversation_id, body["text"])


@blp.route("/<string:conversation_id>/read", methods=["POST"])
@auth_required(blp)
@blp.arguments(ReadIn)
@blp.response(200, ReadOut)
def read(body, conversation_id):
    """Read receipt up to ``message_id`` (sent to the other members in real time)."""
    return messages.mark_read(current_uid(), conversation_id, body["message_id"])


@blp.route("/<string:conversation_id>/typing", methods=["POST"])
@auth_required(blp)
@blp.response(204)
def typing(conversation_id):
    """Typing indicator for the other online members (also a WebSocket frame)."""
    messages.typing(current_uid(), conversation_id)
