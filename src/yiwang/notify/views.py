"""In-site messages and, in the demo, the local SMS / e-mail outbox."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yiwang.identity import policy
from yiwang.identity.roles import Role

from . import services
from .models import Channel, Message

PER_PAGE = 20


@never_cache
@login_required
def inbox(request):
    messages = Message.objects.filter(recipient=request.user, channel=Channel.SITE)
    page = Paginator(messages, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notify/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request, message_id):
    services.mark_read(request.user, message_id)
    if request.htmx:
        message = get_object_or_404(
            Message, pk=message_id, recipient=request.user, channel=Channel.SITE
        )
        return render(request, "notify/_message.html", {"message": message})
    page = request.POST.get("page", "")
    url = reverse("messages")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


def can_see_whole_outbox(user) -> bool:
    return user.is_superuser or policy.has_role(user, Role.OPERATOR)


@never_cache
@login_required
def outbox(request):
    """What the local SMS and e-mail backends 'sent'. Only for demos and test installs:
    a citizen reads their own verification code here; operators see everything."""
    if not settings.YIWANG_SHOW_OUTBOX:
        raise Http404
    messages = Message.objects.filter(channel__in=[Channel.SMS, Channel.EMAIL])
    whole = can_see_whole_outbox(request.user)
    if not whole:
        messages = messages.filter(recipient=request.user)
    page = Paginator(messages.select_related("recipient"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "notify/outbox.html", {"page": page, "whole": whole})
