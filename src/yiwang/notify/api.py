"""One's own in-site messages (站内消息)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.api.problems import ProblemSerializer

from . import services
from .models import Channel, Message


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["id", "subject", "body", "link", "created_at", "read_at"]


class MessageFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("只看未读")
    )


def own_messages(user):
    return Message.objects.filter(recipient=user, channel=Channel.SITE)


class MessageList(generics.ListAPIView):
    serializer_class = MessageSerializer
    queryset = Message.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        filters = MessageFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        messages = own_messages(self.request.user)
        unread = filters.validated_data.get("unread")
        if unread is not None:
            messages = messages.filter(read_at__isnull=unread)
        return messages.order_by("-created_at", "-id")

    @extend_schema(parameters=[MessageFilterSerializer], summary="我的站内消息")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MessageRead(APIView):
    @extend_schema(
        request=None,
        responses={200: MessageSerializer, 404: ProblemSerializer},
        summary="标记为已读",
    )
    def post(self, request, pk):
        message = get_object_or_404(own_messages(request.user), pk=pk)
        services.mark_read(request.user, message.pk)
        message.refresh_from_db()
        return Response(MessageSerializer(message).data)
