"""The SMS written for a member, as the API gives them: to the member its own (我的短信), to operators any member's (the
member page's 短信记录); both read through `core.notifications.member_messages` and show each text as the member
reads it again (`shown_to_member`: a confirmation code hidden), as the portal pages do."""
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers

from core.api.filters import read_sub_list_query
from core.models import Notification
from core.notifications import member_messages, shown_to_member


class MemberMessageSerializer(serializers.ModelSerializer):
    """One text, as the member's 我的短信 lists it."""

    body = serializers.SerializerMethodField(help_text="the text as sent, a confirmation code hidden (******)")
    status_label = serializers.CharField(source="get_status_display", read_only=True, help_text="in the request's language")
    not_before = serializers.SerializerMethodField(help_text="when a pending text goes out (after the quiet hours); null "
                                                             "unless `status` is `pending`")

    class Meta:
        model = Notification
        fields = ["id", "kind", "body", "status", "status_label", "created_at", "not_before", "sent_at"]
        read_only_fields = fields

    def get_body(self, message) -> str:
        return shown_to_member(message)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_not_before(self, message) -> str | None:
        if message.status != Notification.Status.PENDING:
            return None
        return serializers.DateTimeField().to_representation(message.not_before)


class MessagesQuery(serializers.Serializer):
    """The texts' list takes no filter, as the pages offer none: only its pages (`page`, `page_size`)."""


#: the schema of a page of texts (the answer of both routes)
MESSAGES_SCHEMA = extend_schema(responses=MemberMessageSerializer(many=True))


def messages_page(view, member):
    """The page of `member`'s texts the view's request asks for, newest first.

    :raises ValidationFailed: 400 `unknown_parameter` for a parameter other than the pages', 400 naming `page_size`
        for a bad size; a page that does not exist is a 404
    """
    read_sub_list_query(MessagesQuery, view)
    page = view.paginate_queryset(member_messages(user_id=member.user_id))
    return view.get_paginated_response(MemberMessageSerializer(page, many=True, context=view.get_serializer_context()).data)

